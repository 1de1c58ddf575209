// 上传文件: each file goes up on its own request (at most 3 at a time), with its own progress bar
// and its own result line. No inline scripts: this file is loaded with `defer` by upload.html.
(function () {
  "use strict";

  var MAX_IN_FLIGHT = 3;
  var SYSTEM_FILES = ["thumbs.db", "desktop.ini", ".ds_store"];

  var zone = document.getElementById("drop-zone");
  var fileInput = document.getElementById("file-input");
  var folderInput = document.getElementById("folder-input");
  var orgSelect = document.getElementById("upload-org");
  var results = document.getElementById("upload-results");
  var summary = document.getElementById("upload-summary");
  if (!zone || !results) return;

  var url = zone.getAttribute("data-url");
  var maxBytes = parseInt(zone.getAttribute("data-max-bytes"), 10) || 0;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  var queue = [];
  var inFlight = 0;
  var counts = { stored: 0, duplicate: 0, rejected: 0, skipped: 0, pending: 0 };

  function isSystemName(name) {
    var lower = name.toLowerCase();
    return SYSTEM_FILES.indexOf(lower) !== -1 || name.charAt(0) === "." || name.slice(0, 2) === "~$";
  }

  function isSkipped(relpath) {
    var parts = relpath.split("/");
    for (var i = 0; i < parts.length; i++) {
      if (parts[i] && isSystemName(parts[i])) return true;
    }
    return false;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function megabytes(n) {
    return Math.floor(n / (1024 * 1024));
  }

  function updateSummary() {
    var parts = [];
    if (counts.pending) parts.push("进行中 " + counts.pending);
    parts.push("已入库 " + counts.stored);
    parts.push("重复 " + counts.duplicate);
    parts.push("已拒绝 " + counts.rejected);
    if (counts.skipped) parts.push("跳过系统文件 " + counts.skipped);
    summary.textContent = parts.join(" · ");
  }

  function addLine(relpath) {
    var li = el("li");
    li.appendChild(el("span", "name", relpath));
    var bar = el("progress");
    bar.max = 100;
    bar.value = 0;
    li.appendChild(bar);
    li.appendChild(el("span", "outcome", "等待上传…"));
    results.appendChild(li);
    return li;
  }

  function finish(li, status, text, link) {
    li.setAttribute("data-status", status);
    var outcome = li.querySelector(".outcome");
    outcome.textContent = text;
    if (link) {
      outcome.appendChild(document.createTextNode(" "));
      var a = el("a", "", "查看");
      a.href = link;
      outcome.appendChild(a);
    }
    counts.pending -= 1;
    counts[status] += 1;
    updateSummary();
  }

  function describe(body) {
    var error = body.error || {};
    if (body.status === "stored") {
      return "已入库" + (body.org ? "：" + body.org : "");
    }
    if (body.status === "duplicate") {
      if (error.message) return "重复：" + error.message;
      return "重复：与已归档的文件相同" + (body.title ? "（" + body.title + "）" : "");
    }
    return "已拒绝：" + (error.message || "无法处理该文件");
  }

  function failureText(xhr) {
    if (xhr.status === 0) return "已拒绝：网络错误，上传中断";
    if (xhr.status === 400) return "已拒绝：页面已过期，请刷新页面后重试";
    if (xhr.status === 403) return "已拒绝：当前角色不能上传文件";
    if (xhr.status === 413) return "已拒绝：文件超过大小限制" + (maxBytes ? "（" + megabytes(maxBytes) + " MB）" : "");
    if (xhr.responseURL && xhr.responseURL.indexOf("/login") !== -1) return "已拒绝：登录已过期，请重新登录后再上传";
    return "已拒绝：上传失败（HTTP " + xhr.status + "）";
  }

  function send(item) {
    inFlight += 1;
    var li = item.li;
    var bar = li.querySelector("progress");
    var outcome = li.querySelector(".outcome");
    outcome.textContent = "正在上传…";

    var form = new FormData();
    form.append("file", item.file, item.file.name);
    form.append("org", item.org);
    form.append("relpath", item.relpath);

    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round((e.loaded / e.total) * 100);
        if (e.loaded >= e.total) outcome.textContent = "正在识别和入库…";
      }
    };
    xhr.onload = function () {
      var body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (err) {
        body = null;
      }
      if (body && body.status) {
        finish(li, body.status, describe(body), body.url || null);
      } else {
        finish(li, "rejected", failureText(xhr));
      }
      done();
    };
    xhr.onerror = function () {
      finish(li, "rejected", failureText(xhr));
      done();
    };
    xhr.send(form);
  }

  function done() {
    inFlight -= 1;
    pump();
  }

  function pump() {
    while (inFlight < MAX_IN_FLIGHT && queue.length) {
      send(queue.shift());
    }
  }

  function enqueue(file, relpath) {
    relpath = (relpath || file.name).replace(/^\/+/, "");
    var name = relpath.split("/").pop();
    if (isSkipped(relpath) || isSystemName(name)) {
      counts.skipped += 1;
      updateSummary();
      return;
    }
    var li = addLine(relpath);
    counts.pending += 1;
    if (maxBytes && file.size > maxBytes) {
      finish(li, "rejected", "已拒绝：文件超过大小限制（" + megabytes(maxBytes) + " MB）");
      return;
    }
    queue.push({ file: file, relpath: relpath, org: orgSelect ? orgSelect.value : "", li: li });
  }

  function enqueueList(files, useRelative) {
    for (var i = 0; i < files.length; i++) {
      var f = files[i];
      enqueue(f, useRelative && f.webkitRelativePath ? f.webkitRelativePath : f.name);
    }
    updateSummary();
    pump();
  }

  fileInput.addEventListener("change", function () {
    enqueueList(fileInput.files, false);
    fileInput.value = "";
  });
  folderInput.addEventListener("change", function () {
    enqueueList(folderInput.files, true);
    folderInput.value = "";
  });

  // Drag and drop, folders included (walked through the entries API).
  function readAll(reader, into, callback) {
    reader.readEntries(function (entries) {
      if (!entries.length) {
        callback(into);
        return;
      }
      Array.prototype.push.apply(into, entries);
      readAll(reader, into, callback);
    }, function () {
      callback(into);
    });
  }

  function walkEntry(entry, pending) {
    pending.count += 1;
    if (entry.isFile) {
      entry.file(function (file) {
        enqueue(file, entry.fullPath);
        settle(pending);
      }, function () {
        settle(pending);
      });
    } else if (entry.isDirectory) {
      if (isSystemName(entry.name)) {
        settle(pending);
        return;
      }
      readAll(entry.createReader(), [], function (entries) {
        for (var i = 0; i < entries.length; i++) walkEntry(entries[i], pending);
        settle(pending);
      });
    } else {
      settle(pending);
    }
  }

  function settle(pending) {
    pending.count -= 1;
    updateSummary();
    pump();
  }

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) {
      e.preventDefault();
      zone.classList.add("dragover");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) {
      e.preventDefault();
      zone.classList.remove("dragover");
    });
  });
  zone.addEventListener("drop", function (e) {
    var dt = e.dataTransfer;
    if (!dt) return;
    var items = dt.items;
    if (items && items.length && items[0].webkitGetAsEntry) {
      var entries = [];
      for (var i = 0; i < items.length; i++) {
        var entry = items[i].kind === "file" ? items[i].webkitGetAsEntry() : null;
        if (entry) entries.push(entry);
      }
      var pending = { count: 0 };
      entries.forEach(function (entry) { walkEntry(entry, pending); });
    } else {
      enqueueList(dt.files, false);
    }
  });

  updateSummary();
})();
