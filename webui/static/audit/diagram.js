// Shared by the replay and heatmap pages: zoom buttons beside a bpmn-js diagram (the mouse wheel and
// dragging also zoom and pan).
window.auditZoom = function (viewer) {
  "use strict";
  document.querySelectorAll("#zoom-controls [data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var canvas = viewer.get("canvas");
      var how = button.getAttribute("data-zoom");
      if (how === "fit") { canvas.zoom("fit-viewport", "auto"); return; }
      canvas.zoom(canvas.zoom() * (how === "in" ? 1.3 : 1 / 1.3), "auto");
    });
  });
};
