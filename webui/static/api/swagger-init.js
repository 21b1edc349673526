// Starts Swagger UI on /api/docs with the spec URL and settings the page carries in data attributes.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.getAttribute("data-config") || "{}");
  config.url = container.getAttribute("data-spec-url");
  config.dom_id = "#swagger-ui-container";
  window.addEventListener("load", function () {
    window.ui = window.SwaggerUIBundle(config);
  });
})();
