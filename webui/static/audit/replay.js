// The auditor's replay: the case's BPMN (the exact version it ran on) drawn by bpmn-js, with the path
// taken and the active elements after any event; the state after each event comes from the server's
// replay of the audit events (steps.json), never from the stored state.
(function () {
  "use strict";

  var root = document.getElementById("replay");
  var verifyButton = document.getElementById("verify");
  if (verifyButton) { wireVerify(verifyButton, document.getElementById("verify-result")); }
  if (!root || !window.BpmnJS) { return; }

  var viewer = new window.BpmnJS({ container: "#diagram" });
  window.auditZoom(viewer);
  var slider = document.getElementById("step-slider");
  var label = document.getElementById("step-label");
  var tabs = document.getElementById("process-tabs");
  var data = null;
  var index = 0;
  var process = null;
  var shown = null;
  var shownVersion = null;
  var markers = [];
  var xml = {};
  var timeFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hour12: false
  });

  fetch(root.getAttribute("data-steps"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(start)
    .catch(function (error) { label.textContent = String(error); });

  function start(json) {
    data = json;
    json.processes.forEach(function (p) {
      var tab = document.createElement("button");
      tab.type = "button";
      tab.className = "process-tab";
      tab.setAttribute("role", "tab");
      tab.setAttribute("data-process", p.id);
      tab.textContent = p.name;
      tab.addEventListener("click", function () { openProcess(p.id); });
      tabs.appendChild(tab);
    });
    slider.max = String(json.steps.length);
    var wanted = /^#step-(\d+)$/.exec(window.location.hash);
    index = wanted ? clamp(parseInt(wanted[1], 10) - 1) : json.steps.length - 1;
    slider.value = String(index + 1);
    slider.addEventListener("input", function () { go(parseInt(slider.value, 10) - 1); });
    document.getElementById("step-prev").addEventListener("click", function () { go(index - 1); });
    document.getElementById("step-next").addEventListener("click", function () { go(index + 1); });
    document.querySelectorAll(".step-to").forEach(function (button) {
      button.addEventListener("click", function () {
        go(parseInt(button.getAttribute("data-seq"), 10) - 1);
        root.scrollIntoView({ behavior: "smooth", block: "start" });
      });
    });
    openProcess(json.processes[0].id);
    go(index);
  }

  function clamp(i) { return Math.max(0, Math.min(data.steps.length - 1, i)); }

  function go(i) {
    index = clamp(i);
    slider.value = String(index + 1);
    var step = data.steps[index];
    var row = document.getElementById("event-" + step.seq);
    var sentence = row ? row.querySelector(".sentence").textContent.replace(/\s+/g, " ").trim() : step.command;
    label.textContent = format(label.getAttribute("data-of"), step.seq, data.steps.length) + " · " +
      when(step.at) + " · " + step.actor + " · " + sentence;
    document.querySelectorAll("#events tr.current").forEach(function (tr) { tr.classList.remove("current"); });
    if (row) { row.classList.add("current"); }
    document.getElementById("step-prev").disabled = index === 0;
    document.getElementById("step-next").disabled = index === data.steps.length - 1;
    if (window.history.replaceState) { window.history.replaceState(null, "", "#step-" + step.seq); }
    renderTabs(step);
    renderState(step);
    // A migrated case ran on more than one version: each step is drawn on the diagram of its own.
    if (process !== null && shownVersion !== null && versionOf(step) !== shownVersion) { openProcess(process); } else { paint(); }
  }

  function versionOf(step) { return String(step.version_id || data.version_id); }

  function openProcess(id) {
    process = id;
    tabs.querySelectorAll(".process-tab").forEach(function (tab) {
      var on = tab.getAttribute("data-process") === id;
      tab.classList.toggle("active", on);
      tab.setAttribute("aria-selected", on ? "true" : "false");
    });
    var source = data.processes.filter(function (p) { return p.id === id; })[0];
    var version = data.steps.length ? versionOf(data.steps[index]) : String(data.version_id);
    var url = ((data.diagrams || {})[version] || {})[id] || source.diagram;
    var key = version + ":" + id;
    var load = xml[key] ? Promise.resolve(xml[key]) : fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (text) { xml[key] = text; return text; });
    load.then(function (text) { return viewer.importXML(text); })
      .then(function () {
        shown = id;
        shownVersion = version;
        markers = [];
        viewer.get("canvas").zoom("fit-viewport", "auto");
        paint();
      })
      .catch(function (error) { label.textContent = String(error); });
  }

  function paint() {
    if (!data || shown !== process) { return; }
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    markers.forEach(function (m) { canvas.removeMarker(m[0], m[1]); });
    markers = [];
    var step = data.steps[index];
    function mark(id, cls) {
      if (registry.get(id)) { canvas.addMarker(id, cls); markers.push([id, cls]); }
    }
    (step.completed[process] || []).forEach(function (id) { mark(id, "replay-done"); });
    (step.active[process] || []).forEach(function (id) { mark(id, "replay-active"); });
    (step.flows[process] || []).forEach(function (pair) {
      registry.filter(function (el) {
        var bo = el.businessObject;
        return el.type === "bpmn:SequenceFlow" && bo.sourceRef && bo.targetRef &&
          bo.sourceRef.id === pair[0] && bo.targetRef.id === pair[1];
      }).forEach(function (el) { mark(el.id, "replay-flow"); });
    });
  }

  function renderTabs(step) {
    tabs.querySelectorAll(".process-tab").forEach(function (tab) {
      var id = tab.getAttribute("data-process");
      tab.classList.toggle("has-active", (step.active[id] || []).length > 0);
      tab.classList.toggle("was-run", (step.completed[id] || []).length > 0);
    });
  }

  function renderState(step) {
    var tasks = document.querySelector("#state-tasks tbody");
    tasks.innerHTML = "";
    step.ready.forEach(function (t) {
      tasks.appendChild(row([t.title, (t.organisation_name || "—") + " / " + (t.role_name || "—"), t.assignee || "—",
        t.due_at ? when(t.due_at) : "—"]));
    });
    toggleEmpty("state-tasks", "state-no-tasks", step.ready.length);
    var timers = document.querySelector("#state-timers tbody");
    timers.innerHTML = "";
    step.timers.forEach(function (t) { timers.appendChild(row([t.name, when(t.due_at)])); });
    toggleEmpty("state-timers", "state-no-timers", step.timers.length);
    var list = document.getElementById("state-data");
    list.innerHTML = "";
    Object.keys(step.data).sort().forEach(function (key) {
      var dt = document.createElement("dt");
      dt.textContent = data.labels[key] || key;
      dt.title = key;
      var dd = document.createElement("dd");
      dd.textContent = show(step.data[key]);
      list.appendChild(dt);
      list.appendChild(dd);
    });
  }

  function toggleEmpty(tableId, emptyId, count) {
    document.getElementById(tableId).classList.toggle("is-hidden", count === 0);
    document.getElementById(emptyId).classList.toggle("is-hidden", count !== 0);
  }

  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (text) {
      var td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    });
    return tr;
  }

  function show(value) {
    if (value === null || value === undefined) { return "—"; }
    if (typeof value === "string") { return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) ? when(value) : value; }
    return JSON.stringify(value, null, 1);
  }

  function when(iso) {
    var moment = new Date(iso);
    return isNaN(moment.getTime()) ? String(iso) : timeFormat.format(moment).replace(/\//g, "-");
  }

  function format(template) {
    var values = Array.prototype.slice.call(arguments, 1);
    return template.replace(/%[sd]/g, function () { return String(values.shift()); });
  }

  function wireVerify(button, out) {
    button.addEventListener("click", function () {
      out.className = "verify-result";
      out.textContent = out.getAttribute("data-running");
      button.disabled = true;
      fetch(button.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (verdict) {
          out.classList.add(verdict.ok ? "ok" : "bad");
          out.textContent = verdict.ok ? format(out.getAttribute("data-ok"), verdict.events)
            : out.getAttribute("data-bad") + (verdict.bad_seq ? "（" + format(out.getAttribute("data-event"),
              verdict.bad_seq) + "）" : "") + "：" + verdict.problem;
        })
        .catch(function (error) { out.classList.add("bad"); out.textContent = String(error); })
        .then(function () { button.disabled = false; });
    });
  }
}());

