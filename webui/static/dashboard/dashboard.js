// The dashboard's trend charts: reads the figures from the JSON endpoint named by #kpi-trend's data-url and
// draws them with ECharts (served from /static/vendor/echarts, no CDN). No inline script: the page passes
// everything through data- attributes.
(function () {
  "use strict";

  var COLORS = ["#126a5a", "#2f6fb0", "#c27c0e", "#7a4fb5", "#b5487a", "#b3261e", "#4f7a28"];

  function rateChart(element, data) {
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      color: COLORS,
      title: { text: data.labels.rates_title, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 48, right: 16, top: 44, bottom: 64 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: data.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 6 };
      })
    });
    return chart;
  }

  function receivedChart(element, data) {
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      color: ["#2f6fb0"],
      title: { text: data.labels.received_title, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 44, bottom: 32 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: data.received.name, type: "bar", data: data.received.data, barMaxWidth: 28 }]
    });
    return chart;
  }

  // Choosing a month, quarter or year replaces a range typed before: the range would win otherwise.
  function periodClearsRange() {
    var period = document.getElementById("period");
    if (!period) {
      return;
    }
    period.addEventListener("change", function () {
      ["from", "to"].forEach(function (id) {
        var input = document.getElementById(id);
        if (input) {
          input.value = "";
        }
      });
    });
  }

  function start() {
    periodClearsRange();
    var trend = document.getElementById("kpi-trend");
    var received = document.getElementById("kpi-received");
    if (!trend || typeof echarts === "undefined") {
      return;
    }
    fetch(trend.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        var charts = [rateChart(trend, data)];
        if (received) {
          charts.push(receivedChart(received, data));
        }
        trend.setAttribute("data-ready", "true");
        window.addEventListener("resize", function () {
          charts.forEach(function (c) { c.resize(); });
        });
      })
      .catch(function (error) {
        trend.setAttribute("data-error", String(error));
        trend.textContent = String(error);
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
