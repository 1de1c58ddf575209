// 分类审核: "select all" for the bulk accept checkboxes (progressive: hidden without JavaScript).
(function () {
  "use strict";
  var all = document.getElementById("review-all");
  if (!all) return;
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#review input[name="ids"]'));
  all.hidden = false;
  function sync() {
    var checked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = checked > 0 && checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    sync();
  });
  boxes.forEach(function (b) { b.addEventListener("change", sync); });
  sync();
})();
