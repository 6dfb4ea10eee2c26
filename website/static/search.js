// Client-side search of the course site (website/build.py writes the index, search-index.js).
// Every word of the query must occur in a section's heading or text; headings weigh more.
// No server and no network: works from file:// too.
(function () {
  "use strict";
  var index = window.TCN_SEARCH_INDEX || [];
  var input = document.getElementById("tcn-search-input");
  var list = document.getElementById("tcn-search-results");
  if (!input || !list) { return; }
  var root = document.body.getAttribute("data-root") || "";
  var MAX_HITS = 15;

  function words(q) {
    return q.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(function (w) { return w.length > 0; });
  }

  function score(entry, terms) {
    var head = (entry.h + " " + entry.p).toLowerCase();
    var text = entry.t.toLowerCase();
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var inHead = head.indexOf(terms[i]) >= 0;
      var at = text.indexOf(terms[i]);
      if (!inHead && at < 0) { return 0; }
      total += (inHead ? 5 : 0) + (at >= 0 ? 1 : 0);
    }
    return total;
  }

  function snippet(text, term) {
    var at = text.toLowerCase().indexOf(term);
    if (at < 0) { return text.slice(0, 140); }
    var start = Math.max(0, at - 50);
    return (start > 0 ? "..." : "") + text.slice(start, start + 160) + (start + 160 < text.length ? "..." : "");
  }

  function show(q) {
    list.textContent = "";
    var terms = words(q);
    if (!terms.length) { list.hidden = true; return; }
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var s = score(index[i], terms);
      if (s > 0) { hits.push([s, i]); }
    }
    hits.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    if (!hits.length) {
      var none = document.createElement("li");
      none.className = "tcn-no-hit";
      none.textContent = "Nothing found for \u201c" + q + "\u201d.";
      list.appendChild(none);
    }
    hits.slice(0, MAX_HITS).forEach(function (h) {
      var e = index[h[1]];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + e.u;
      a.className = "tcn-hit";
      var page = document.createElement("span");
      page.className = "tcn-hit-page";
      page.textContent = e.p;
      a.appendChild(page);
      a.appendChild(document.createTextNode(e.h));
      li.appendChild(a);
      var t = document.createElement("span");
      t.className = "tcn-hit-text";
      t.textContent = snippet(e.t, terms[0]);
      li.appendChild(t);
      list.appendChild(li);
    });
    list.hidden = false;
  }

  input.addEventListener("input", function () { show(input.value); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var first = list.querySelector("a.tcn-hit");
      if (first) { window.location.href = first.href; }
    } else if (ev.key === "Escape") {
      input.value = ""; show("");
    }
  });
})();
