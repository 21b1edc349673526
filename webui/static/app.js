// ecopetition operator UI: small enhancements; every page also works without JavaScript.
(function () {
  "use strict";

  // A header checkbox that ticks every row checkbox of the same name.
  document.querySelectorAll("[data-check-all]").forEach(function (master) {
    var name = master.getAttribute("data-check-all");
    master.addEventListener("change", function () {
      master.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
        box.checked = master.checked;
      });
    });
  });

  // Fields that only matter for one answer of another field (from the form's if/then rules):
  // data-show-when="field=value|value2" hides them otherwise. Hidden fields are disabled so that
  // their stale values are not sent.
  var dependents = document.querySelectorAll("[data-show-when]");
  function currentValue(form, name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) { return checked.value; }
    var field = form.querySelector('select[name="' + name + '"]');
    return field ? field.value : "";
  }
  function refresh() {
    dependents.forEach(function (block) {
      var rule = block.getAttribute("data-show-when").split("=");
      var form = block.closest("form");
      var show = rule[1].split("|").indexOf(currentValue(form, rule[0])) >= 0;
      block.classList.toggle("is-hidden", !show);
      block.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !show; });
    });
  }
  if (dependents.length) {
    document.addEventListener("change", refresh);
    refresh();
  }

  // The anonymous box greys out the petitioner's identity fields.
  var anonymous = document.getElementById("petitioner-anonymous");
  if (anonymous) {
    var toggle = function () {
      document.querySelectorAll("[data-identity]").forEach(function (input) {
        input.closest(".field").classList.toggle("muted", anonymous.checked);
      });
    };
    anonymous.addEventListener("change", toggle);
    toggle();
  }

  // Buttons that print the page, and links that go back where the reader came from (no inline handlers:
  // the Content-Security-Policy forbids them).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  });

  // Ask before actions that cannot be undone.
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
