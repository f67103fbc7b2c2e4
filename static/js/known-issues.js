/* Known issues beside the Support form: as the user describes the problem, matching published issues for the
   portal's release appear (debounced fetch, authorised by the form's signed view token). "This solves it"
   records a deflection and files nothing; "Still need help" closes the card and the user goes on. */
(function () {
  var aside = document.getElementById("known-issues");
  var form = document.getElementById("support-form");
  if (!aside || !form) { return; }
  var list = document.getElementById("ki-suggestions");
  var solvedNote = document.getElementById("ki-solved");
  var fields = ["what_done", "what_expected", "what_obtained"].map(function (id) {
    return document.getElementById(id);
  }).filter(Boolean);
  var label = function (name) { return aside.getAttribute("data-label-" + name) || ""; };
  var timer = null;
  var lastQuery = "";
  var shown = {};

  // Beside the description fields, where the user is looking while typing.
  var anchor = fields.length ? fields[fields.length - 1].closest(".field") : null;
  if (anchor) { anchor.parentNode.insertBefore(aside, anchor.nextSibling); }

  function url(template, id) { return template.replace("/0/", "/" + id + "/"); }

  function post(template, id) {
    return fetch(url(template, id), { method: "POST", credentials: "omit",
                                      headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  function card(issue) {
    var item = el("li", "ki-item");
    item.setAttribute("data-issue", issue.id);
    var title = el("button", "ki-item__title link-button", issue.title);
    title.type = "button";
    title.setAttribute("aria-expanded", "false");
    var body = el("div", "ki-item__body");
    body.hidden = true;
    body.appendChild(el("p", "prewrap", issue.symptoms));
    if (issue.workaround) {
      body.appendChild(el("strong", "", label("workaround")));
      body.appendChild(el("p", "prewrap ki-workaround", issue.workaround));
    }
    if (issue.fixed_in) { body.appendChild(el("p", "badge badge--ok", label("fixed").replace("{label}", issue.fixed_in))); }
    else if (issue.planned_on) { body.appendChild(el("p", "muted", label("planned").replace("{date}", issue.planned_on_text))); }
    var more = el("a", "", label("open"));
    more.href = issue.url; more.target = "_blank"; more.rel = "noopener";
    body.appendChild(more);
    var actions = el("div", "ki-actions");
    var solves = el("button", "btn btn--success ki-solves", label("solves"));
    solves.type = "button";
    var still = el("button", "btn btn--light ki-still", label("still"));
    still.type = "button";
    actions.appendChild(solves); actions.appendChild(still);
    body.appendChild(actions);
    title.addEventListener("click", function () {
      body.hidden = !body.hidden;
      title.setAttribute("aria-expanded", String(!body.hidden));
      if (!body.hidden && !shown[issue.id]) { shown[issue.id] = true; post(aside.getAttribute("data-viewed"), issue.id); }
      if (window.BX24) { BX24.fitWindow(); }
    });
    solves.addEventListener("click", function () {
      solves.disabled = true;
      post(aside.getAttribute("data-solved"), issue.id).then(function (answer) {
        // Nothing half-filed: the typed description is dropped with the form; the user leaves solved.
        form.reset();
        list.textContent = "";
        solvedNote.textContent = (answer && answer.message) || "";
        solvedNote.hidden = false;
        form.parentNode.insertBefore(solvedNote, form);  // the note sits in the form, which goes away
        form.hidden = true;
        if (window.BX24) { BX24.fitWindow(); }
      });
    });
    still.addEventListener("click", function () {
      item.remove();
      if (fields.length) { fields[0].focus(); }
    });
    item.appendChild(title);
    item.appendChild(body);
    return item;
  }

  function refresh() {
    var query = fields.map(function (f) { return f.value; }).join(" ").trim();
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (query.length < 3) { list.textContent = ""; return; }
    var address = aside.getAttribute("data-suggest") + "&q=" + encodeURIComponent(query.slice(0, 2000));
    fetch(address, { credentials: "omit", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { issues: [] }; })
      .then(function (answer) {
        if (query !== lastQuery) { return; }  // a later keystroke already asked again
        list.textContent = "";
        answer.issues.forEach(function (issue) { list.appendChild(card(issue)); });
        aside.classList.toggle("known-issues--found", answer.issues.length > 0);
        if (window.BX24) { BX24.fitWindow(); }
      })
      .catch(function () { /* suggestions are a help, never in the way of filing */ });
  }

  fields.forEach(function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 350);
    });
  });
  refresh();
})();
