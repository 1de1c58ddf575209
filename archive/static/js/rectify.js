// 整改: a 选择文件 button with the chosen file's name beside it, in place of the browser's own file
// input (whose button is labelled in the browser's language). Without JavaScript the native input stays.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll(".file-pick"), function (pick) {
    var input = pick.querySelector("input[type=file]");
    var name = pick.querySelector(".file-name");
    if (!input || !name) return;
    pick.classList.add("enhanced");
    Array.prototype.forEach.call(pick.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
    function show() {
      name.textContent = input.files && input.files.length ? input.files[0].name : "未选择文件";
      name.classList.toggle("chosen", !!(input.files && input.files.length));
    }
    input.addEventListener("change", show);
    show();
  });
})();
