// The heatmap of a process version: for each flow node, how many cases passed it and the median time
// spent there, drawn on the version's diagram with bpmn-js overlays and a fill by case count.
(function () {
  "use strict";

  var root = document.getElementById("heatmap");
  if (!root || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: "#diagram" });
  window.auditZoom(viewer);
  var stats = null;
  var process = null;
  var units = root.getAttribute("data-units").split("|");

  fetch(root.getAttribute("data-stats"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (json) {
      stats = json.elements;
      var tabs = root.querySelectorAll(".process-tab");
      tabs.forEach(function (tab) { tab.addEventListener("click", function () { open(tab); }); });
      if (tabs.length) { open(tabs[0]); }
    });

  function open(tab) {
    root.querySelectorAll(".process-tab").forEach(function (t) { t.classList.toggle("active", t === tab); });
    process = tab.getAttribute("data-process");
    fetch(tab.getAttribute("data-diagram"), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        paint();
      });
  }

  function paint() {
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    overlays.clear();
    var mine = stats.filter(function (s) { return s.process_id === process && registry.get(s.element_id); });
    var most = mine.reduce(function (m, s) { return Math.max(m, s.cases); }, 0);
    var passed = 0;
    mine.forEach(function (s) {
      var element = registry.get(s.element_id);
      if (s.cases > 0 && most > 0) {
        canvas.addMarker(s.element_id, "heat-" + Math.max(1, Math.ceil(5 * s.cases / most)));
        passed += 1;
      }
      if (s.cases === 0 && s.waiting === 0) { return; }
      var parts = [];
      if (s.cases > 0) { parts.push("<b>" + fill(root.getAttribute("data-cases"), s.cases) + "</b>"); }
      if (s.median_seconds !== null && element.type !== "bpmn:SequenceFlow") {
        parts.push(fill(root.getAttribute("data-median"), duration(s.median_seconds)));
      }
      if (s.waiting > 0) { parts.push('<span class="waiting">' + fill(root.getAttribute("data-waiting"), s.waiting) + "</span>"); }
      overlays.add(s.element_id, "heat", {
        position: { bottom: -4, left: -4 },
        html: '<div class="heat-badge">' + parts.join(" · ") + "</div>"
      });
    });
    var nodes = registry.filter(function (el) {
      return el.type !== "label" && el.businessObject && el.businessObject.$instanceOf &&
        el.businessObject.$instanceOf("bpmn:FlowNode");
    }).length;
    var summary = document.getElementById("heat-summary");
    summary.textContent = summary.getAttribute("data-template").replace("{nodes}", nodes).replace("{passed}", passed);
    table(mine, registry);
  }

  function table(mine, registry) {
    var body = document.querySelector("#heat-table tbody");
    body.innerHTML = "";
    mine.filter(function (s) { return s.cases > 0 || s.waiting > 0; }).sort(function (a, b) { return b.cases - a.cases || (b.median_seconds || 0) - (a.median_seconds || 0); })
      .forEach(function (s) {
        var element = registry.get(s.element_id);
        var name = (element.businessObject.name || s.element_id).replace(/\s+/g, " ");
        var tr = document.createElement("tr");
        [name, s.cases, s.visits, s.median_seconds === null ? "—" : duration(s.median_seconds), s.waiting || "—"]
          .forEach(function (text) {
            var td = document.createElement("td");
            td.textContent = String(text);
            tr.appendChild(td);
          });
        body.appendChild(tr);
      });
  }

  function duration(seconds) {
    if (seconds < 1) { return units[3]; }
    if (seconds >= 86400) { return (seconds / 86400).toFixed(1) + " " + units[0]; }
    if (seconds >= 3600) { return (seconds / 3600).toFixed(1) + " " + units[1]; }
    return Math.round(seconds / 60) + " " + units[2];
  }

  function fill(template, value) { return template.replace("%s", String(value)); }
}());
