// Live preview on the schedule form: on each change (debounced), post the form's current
// values (CSRF token included) to the preview endpoint and show when the check-ins would go
// out for the sample customers, or every error. No inline script: loaded from static files.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  var box = document.getElementById("live-preview");
  if (!form || !box) return;
  var timer = null;
  var sent = 0;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function show(status, body) {
    box.replaceChildren();
    box.setAttribute("aria-busy", "false");
    if (status === 422 && body.errors) {
      box.appendChild(el("p", "Fix these to see the preview:", "muted"));
      var list = el("ul", null, "preview-errors");
      body.errors.forEach(function (e) {
        var label = form.querySelector("label[for='" + e.field + "']");
        var name = label ? label.textContent : e.field;
        list.appendChild(el("li", name + ": " + e.message));
      });
      box.appendChild(list);
      return;
    }
    if (status !== 200) {
      box.appendChild(el("p", "The preview is not available right now (" + status + ").", "muted"));
      return;
    }
    box.appendChild(el("p", "For an event now (" + body.event + "), in your time (" +
      body.viewer_zone + ") and the customer's:", "muted"));
    var list = el("ul", null, "preview-list");
    body.rows.forEach(function (r) {
      var item = el("li");
      var who = r.customer + (r.fallback ? " — fallback: " + r.schedule : "");
      item.appendChild(el("strong", who));
      item.appendChild(el("span", r.local
        ? "you: " + r.viewer + " · customer: " + r.local + " " + r.zone
        : "not sent", "when"));
      item.appendChild(el("small", r.reason, "muted"));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function refresh() {
    var mine = ++sent;
    box.setAttribute("aria-busy", "true");
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (body) { return [response.status, body]; },
          function () { return [response.status, {}]; });
      })
      .then(function (result) { if (mine === sent) show(result[0], result[1]); })
      .catch(function () { if (mine === sent) show(0, {}); });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
})();
