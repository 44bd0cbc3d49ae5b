/*
 * web.js - the web portal's only script: uploads with a progress bar per
 * file and drag and drop (POST /api/v1/jobs, the raw file as the body,
 * the upload form's print options in the query,
 * the CSRF token in X-CSRF-Token), each file's outcome as it happens
 * (polling GET /api/v1/jobs/{id}), and the copy buttons of /setup.  The
 * pages work without it wherever a form can.  File names are shown with
 * textContent only (never as HTML).
 */
(function () {
  "use strict";

  function line(list, name) {
    var li = document.createElement("li"), label = document.createElement("span"), bar = document.createElement("progress");
    label.textContent = name;
    bar.max = 100;
    bar.value = 0;
    li.appendChild(label);
    li.appendChild(document.createElement("br"));
    li.appendChild(bar);
    list.appendChild(li);
    return { li: li, bar: bar, say: function (text) { label.textContent = name + ": " + text; } };
  }

  function watch(id, row) {
    fetch("/api/v1/jobs/" + encodeURIComponent(id), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (job) {
      if (job.state === "converting" || job.state === "receiving") {
        setTimeout(function () { watch(id, row); }, 1000);
      } else if (job.state === "held") {
        row.say("held, " + job.pages + " page" + (job.pages === 1 ? "" : "s") + (job.color_pages > 0 ? " (" + job.color_pages + " in colour)" : ""));
        row.li.className = "done";
      } else {
        row.say(job.reason_text || job.state);
        row.li.className = "failed";
      }
    });
  }

  // The upload form's print options, as the API's query ("&copies=2&sides=...")
  function options() {
    var q = "", fields = ["copies", "sides", "color_mode", "page_ranges", "number_up"], form = document.getElementById("upload-form");
    for (var i = 0; form && i < fields.length; i++) {
      var field = form.elements.namedItem(fields[i]);
      if (field && field.value) { q += "&" + fields[i] + "=" + encodeURIComponent(field.value); }
    }
    return q;
  }

  function upload(file, csrf, list) {
    var row = line(list, file.name), xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/jobs?name=" + encodeURIComponent(file.name) + options());
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { row.bar.value = Math.round(100 * e.loaded / e.total); } };
    xhr.onload = function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      if (xhr.status === 202 && answer.id) {
        row.bar.value = 100;
        row.say("converting");
        watch(answer.id, row);
      } else {
        row.say(answer.error || ("refused (" + xhr.status + ")"));
        row.li.className = "failed";
      }
    };
    xhr.onerror = function () { row.say("the upload was cut off; try again"); };
    xhr.send(file);
  }

  var drop = document.getElementById("drop"), input = document.getElementById("files"), list = document.getElementById("progress");
  if (drop && input && list) {
    var pick = document.getElementById("form-pick");
    drop.hidden = false;
    if (pick) { pick.hidden = true; document.getElementById("form-files").required = false; }
    var csrf = drop.getAttribute("data-csrf");
    var each = function (files) { for (var i = 0; i < files.length; i++) { upload(files[i], csrf, list); } };
    input.addEventListener("change", function () { each(input.files); input.value = ""; });
    drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) { e.preventDefault(); drop.classList.remove("over"); each(e.dataTransfer.files); });
  }

  var copies = document.querySelectorAll("button.copy");
  for (var i = 0; i < copies.length; i++) {
    copies[i].hidden = false;
    copies[i].addEventListener("click", function (e) {
      var target = document.getElementById(e.currentTarget.getAttribute("data-copy"));
      if (target && navigator.clipboard) { navigator.clipboard.writeText(target.value); e.currentTarget.textContent = "Copied"; }
    });
  }
})();
