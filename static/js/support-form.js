/* The request form's small helpers: operator eligibility badge, "other" name, a size check before upload. */
(function () {
  var form = document.getElementById("support-form");
  if (!form) { return; }
  var operator = document.getElementById("operator");
  var otherField = document.getElementById("operator-other-field");
  var recommended = (operator.getAttribute("data-recommended") || "").split(",");
  var page = document.getElementById("page-field");
  if (page && !page.value && document.referrer) { page.value = document.referrer.slice(0, 1024); }

  function showOperatorState() {
    var value = operator.value;
    var state = value === "" || value === "other" ? "unknown" : (recommended.indexOf(value) >= 0 ? "ok" : "bad");
    document.querySelectorAll("[data-operator-state]").forEach(function (badge) {
      badge.hidden = badge.getAttribute("data-operator-state") !== state;
    });
    otherField.hidden = value !== "other";
    if (window.B24Frame) { B24Frame.fit(); }
  }
  operator.addEventListener("change", showOperatorState);

  // Required marks follow the chosen category, as the server renders them for the first one.
  var category = document.getElementById("category");
  category.addEventListener("change", function () {
    document.querySelectorAll("[data-required-in]").forEach(function (label) {
      var cats = label.getAttribute("data-required-in").split(" ");
      label.classList.toggle("required", cats.indexOf(category.value) >= 0);
    });
  });

  var sizeError = document.getElementById("client-size-error");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);
  form.addEventListener("submit", function (event) {
    var tooBig = null;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        if (!tooBig && file.size > maxBytes) { tooBig = file; }
      });
    });
    if (tooBig) {
      event.preventDefault();
      sizeError.textContent = sizeError.getAttribute("data-message").replace("{name}", tooBig.name);
      sizeError.hidden = false;
      if (window.B24Frame) { B24Frame.fit(); }
      return;
    }
    var button = document.getElementById("submit-request");
    button.disabled = true;
    button.textContent = button.getAttribute("data-sending");
  });
})();
