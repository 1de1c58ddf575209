// 组卷: the class's retention period as default, "select all", reordering the documents by drag and
// drop (HTML5) or with the 上移/下移 buttons (keyboard), and telling the preview to refresh.
// Progressive: without JavaScript the list keeps the 档号 order and the form still works.
(function () {
  "use strict";

  // ------------------------------------------------------------------ the filter
  var category = document.getElementById("vol-category");
  var retention = document.getElementById("vol-retention");
  function retentionFromClass() {
    var option = category && category.options[category.selectedIndex];
    var code = option && option.getAttribute("data-retention");
    if (code && retention) retention.value = code;
  }
  if (category) {
    category.addEventListener("change", retentionFromClass);
    // The unit's scheme arrives as new <option>s (htmx): the kept class may have another default.
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.target === category) retentionFromClass();
    });
  }
  var filter = document.getElementById("filter-form");
  var stale = document.getElementById("filter-stale");
  if (filter && stale) {
    filter.addEventListener("change", function () { stale.hidden = false; });
  }

  // ------------------------------------------------------------------ the documents
  var list = document.getElementById("doc-order");
  if (!list) return;
  var status = document.getElementById("order-status");
  var all = document.getElementById("candidates-all");

  function rows() { return Array.prototype.slice.call(list.querySelectorAll("tr[data-id]")); }
  function box(row) { return row.querySelector('input[name="documents"]'); }

  function refresh() {
    var all_rows = rows();
    all_rows.forEach(function (row, i) {
      row.querySelector(".pos").textContent = String(i + 1);
      row.querySelector(".move-up").disabled = i === 0;
      row.querySelector(".move-down").disabled = i === all_rows.length - 1;
      row.classList.toggle("unchecked", !box(row).checked);
    });
    if (all) {
      var checked = all_rows.filter(function (r) { return box(r).checked; }).length;
      all.checked = checked > 0 && checked === all_rows.length;
      all.indeterminate = checked > 0 && checked < all_rows.length;
    }
  }

  function reordered(row) {
    refresh();
    if (row) {
      row.classList.add("moved");  // a short highlight where the row landed
      clearTimeout(row.movedTimer);
      row.movedTimer = setTimeout(function () { row.classList.remove("moved"); }, 1200);
      var position = rows().indexOf(row) + 1;
      if (status) status.textContent = "已将《" + row.getAttribute("data-title") + "》移到第 " + position + " 位";
    }
    // The preview section listens for this (hx-trigger="volume-reordered from:body").
    list.dispatchEvent(new CustomEvent("volume-reordered", { bubbles: true }));
  }

  // Reveal the controls that need JavaScript.
  Array.prototype.forEach.call(document.querySelectorAll(
    "#doc-order .move-up, #doc-order .move-down, #doc-order .grip, .js-only"), function (el) { el.hidden = false; });
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      rows().forEach(function (r) { box(r).checked = all.checked; });
      refresh();
      list.dispatchEvent(new CustomEvent("volume-reordered", { bubbles: true }));
    });
  }
  list.addEventListener("change", function (e) {
    if (e.target.name === "documents") refresh();
  });

  // 上移 / 下移: keep the focus on the button that was pressed, now in the row's new place.
  list.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button.move-up, button.move-down") : null;
    if (!button || button.disabled) return;
    var row = button.closest("tr");
    var up = button.classList.contains("move-up");
    if (up && row.previousElementSibling) {
      list.insertBefore(row, row.previousElementSibling);
    } else if (!up && row.nextElementSibling) {
      list.insertBefore(row.nextElementSibling, row);
    } else {
      return;
    }
    reordered(row);
    var again = row.querySelector(up ? ".move-up" : ".move-down");
    (again.disabled ? row.querySelector(up ? ".move-down" : ".move-up") : again).focus();
  });

  // Drag and drop: the row follows the pointer (above or below the middle of the row under it).
  var dragging = null;
  var startIndex = -1;
  rows().forEach(function (row) { row.draggable = true; });
  list.addEventListener("dragstart", function (e) {
    var row = e.target.closest ? e.target.closest("tr[data-id]") : null;
    if (!row) return;
    dragging = row;
    startIndex = rows().indexOf(row);
    row.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", row.getAttribute("data-id"));
  });
  list.addEventListener("dragover", function (e) {
    if (!dragging) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    var row = e.target.closest ? e.target.closest("tr[data-id]") : null;
    if (!row || row === dragging) return;
    var rect = row.getBoundingClientRect();
    var after = e.clientY > rect.top + rect.height / 2;
    var reference = after ? row.nextElementSibling : row;
    if (reference !== dragging) list.insertBefore(dragging, reference);  // null: to the end
  });
  list.addEventListener("drop", function (e) {
    if (dragging) e.preventDefault();
  });
  list.addEventListener("dragend", function () {
    if (!dragging) return;
    var row = dragging;
    dragging = null;
    row.classList.remove("dragging");
    if (rows().indexOf(row) !== startIndex) reordered(row);
  });

  refresh();
})();
