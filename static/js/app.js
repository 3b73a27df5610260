// Progressive enhancements: every page works without this file (links lead to plain pages).
// With it, actions open <dialog>s, 确定 stays disabled until the confirmation boxes are ticked,
// and the 放大镜 searches organisations in place.
(function () {
  "use strict";
  document.documentElement.classList.replace("no-js", "js");

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }

  // 确定 buttons marked data-needs-confirm are enabled only when every data-confirm box of
  // their dialog is ticked (the server refuses without them too).
  function syncConfirm(scope) {
    $all("[data-needs-confirm]", scope).forEach(function (button) {
      var box = button.closest("dialog") || button.form;
      var boxes = $all("input[data-confirm]", box);
      button.disabled = !boxes.every(function (b) { return b.checked; });
    });
  }

  // A box left empty in a dialog: say so next to it, in the page's words (the forms are
  // novalidate, so the browser shows no bubble of its own; the server checks again).
  function fieldLabel(field) {
    var box = field.closest(".field");
    var label = box && $("label", box);
    return label ? label.textContent.replace(/[*＊]/g, "").trim() : "";
  }

  function explainInvalid(scope) {
    $all("[data-client-error]", scope).forEach(function (p) { p.remove(); });
    $all(".field.has-client-error", scope).forEach(function (b) { b.classList.remove("has-error", "has-client-error"); });
    var invalid = $all("input, select, textarea", scope).filter(function (f) {
      return f.type !== "hidden" && !f.checkValidity();
    });
    invalid.forEach(function (f) {
      var label = fieldLabel(f);
      var text = f.validity.valueMissing
        ? (f.tagName === "SELECT" ? "请选择" : "请填写") + label + "。"
        : label + "格式不正确，请检查后重新填写。";
      var p = document.createElement("p");
      p.className = "field-error";
      p.setAttribute("role", "alert");
      p.dataset.clientError = "";
      p.textContent = text;
      var box = f.closest(".field");
      if (box) { box.classList.add("has-error", "has-client-error"); box.appendChild(p); }
    });
    if (invalid.length) invalid[0].focus();
    return invalid.length === 0;
  }

  document.addEventListener("submit", function (event) {
    var dialog = event.target.closest("dialog");
    if (dialog && !explainInvalid(dialog)) event.preventDefault();
  });

  function openDialog(dialog, trigger) {
    if (!dialog) return;
    var form = $("form", dialog);
    if (trigger && form && trigger.dataset.action) {
      form.action = trigger.dataset.action;
      var version = $("input[name=version]", form);
      if (version) version.value = trigger.dataset.version || "";
    }
    syncConfirm(dialog);
    dialog.showModal();
    var first = $("input:not([type=hidden]), textarea, select", dialog);
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog]");
    if (opener) {
      event.preventDefault();
      openDialog(document.getElementById(opener.dataset.dialog), opener);
      return;
    }
    var closer = event.target.closest("[data-close]");
    if (closer) {
      event.preventDefault();
      closer.closest("dialog").close();
      return;
    }
    // A first dialog whose 确定 leads to a second one (接收 → the two confirmations).
    var next = event.target.closest("[data-next-dialog]");
    if (next) {
      event.preventDefault();
      var current = next.closest("dialog");
      if (!explainInvalid(current)) return;
      openDialog(document.getElementById(next.dataset.nextDialog));
      return;
    }
    // 返回上一页 on the error pages (without JavaScript the link leads to 首页).
    var back = event.target.closest("[data-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
      return;
    }
    var all = event.target.closest("[data-check-all]");
    if (all) {
      $all("input[name='" + all.dataset.checkAll + "']").forEach(function (b) { b.checked = all.checked; });
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("input[data-confirm]")) syncConfirm(event.target.closest("dialog") || event.target.form);
  });

  // -- 目的地党组织 and the 放大镜 ----------------------------------------------------------------
  function pickerState(picker) {
    var type = $("select[name=transfer_type]", picker);
    var notInTree = $("input[name=not_in_tree]", picker);
    var outside = $("input[name=out_of_system]", picker);
    if (!outside) return;
    var national = type && type.value === "national";
    if (national) outside.checked = true;
    // 全国直接转接: 【转出到系统外】 is ticked and cannot be changed.
    outside.dataset.locked = national ? "1" : "";
    outside.setAttribute("aria-disabled", national ? "true" : "false");
    if (!national && notInTree) outside.checked = notInTree.checked;
    var typed = outside.checked || (notInTree && notInTree.checked);
    picker.classList.toggle("typed-target", typed);
  }

  $all(".target-picker").forEach(function (picker) {
    pickerState(picker);
    picker.addEventListener("change", function (event) {
      if (event.target.name === "transfer_type") {
        // Another type offers other organisations: the choice made for the old one is void.
        $("input[name=target]", picker).value = "";
        $("input[name=target_query]", picker).value = "";
      }
      pickerState(picker);
      preview(picker);
    });
    picker.addEventListener("click", function (event) {
      var outside = event.target.closest("input[name=out_of_system]");
      if (outside && outside.dataset.locked) { event.preventDefault(); return; }
      if (outside && !outside.dataset.locked) {
        // Ticking 转出到系统外 by hand is the same as saying the target is not in the tree.
        var notInTree = $("input[name=not_in_tree]", picker);
        setTimeout(function () { if (notInTree) { notInTree.checked = outside.checked; } pickerState(picker); }, 0);
      }
      if (event.target.closest("[data-open-search]")) {
        event.preventDefault();
        var dialog = document.getElementById("target-dialog");
        dialog.picker = picker;
        $("#target-search-name", dialog).value = $("input[name=target_query]", picker).value;
        $(".target-results", dialog).innerHTML = '<p class="hint">输入目标党组织名称后点击【查询】。</p>';
        dialog.showModal();
        $("#target-search-name", dialog).focus();
      }
    });
    var query = $("input[name=target_query]", picker);
    // Typing a name by hand voids the 放大镜's choice; the server looks the name up.
    query.addEventListener("input", function () { $("input[name=target]", picker).value = ""; });
  });

  function searchUrl(picker, extra) {
    var params = new URLSearchParams();
    var type = $("select[name=transfer_type]", picker);
    if (type) params.set("type", type.value);
    if (picker.dataset.mode) params.set("mode", picker.dataset.mode);
    if (picker.dataset.transfer) params.set("transfer", picker.dataset.transfer);
    params.set("name", $("#target-search-name").value);
    return picker.dataset.searchUrl + "?" + params.toString() + (extra ? "&" + extra : "");
  }

  function runSearch(dialog, extra) {
    var results = $(".target-results", dialog);
    results.innerHTML = '<p class="hint">正在查询…</p>';
    fetch(searchUrl(dialog.picker, extra), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
      .then(function (r) { results.innerHTML = r.ok ? r.text : '<p class="field-error">' + r.text + "</p>"; })
      .catch(function () { results.innerHTML = '<p class="field-error">查询失败，请稍后重试。</p>'; });
  }

  var targetDialog = document.getElementById("target-dialog");
  if (targetDialog) {
    targetDialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-target-search]")) { runSearch(targetDialog); return; }
      var pageButton = event.target.closest("[data-results-page]");
      if (pageButton) { runSearch(targetDialog, pageButton.dataset.resultsPage); return; }
      var pick = event.target.closest("[data-pick]");
      if (pick) {
        var picker = targetDialog.picker;
        $("input[name=target]", picker).value = pick.dataset.id;
        $("input[name=target_query]", picker).value = pick.dataset.name;
        $all(".choices", picker).forEach(function (c) { c.remove(); });
        targetDialog.close();
        preview(picker);
      }
    });
    $("#target-search-name", targetDialog).addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); runSearch(targetDialog); }
    });
  }

  // 更改: show the path the change would give before 确定.
  function preview(picker) {
    var form = picker.closest("form[data-change-preview]");
    if (!form) return;
    var box = $(".path-preview", form);
    var params = new URLSearchParams(new FormData(form));
    params.delete("csrfmiddlewaretoken");
    fetch(form.dataset.changePreview + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { box.innerHTML = html; });
  }

  // 找回: look the ID number up and show the match with its 找回 button.
  var retrieveDialog = document.getElementById("retrieve-dialog");
  if (retrieveDialog) {
    var lookup = function () {
      var row = $("[data-retrieve-url]", retrieveDialog);
      // POST: the 身份证号 never goes into a URL.
      var body = new URLSearchParams({
        id_number: $("#retrieve-id", retrieveDialog).value, partial: "1", lookup: "1",
        csrfmiddlewaretoken: $("[name=csrfmiddlewaretoken]", retrieveDialog).value
      });
      fetch(row.dataset.retrieveUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) { $(".retrieve-results", retrieveDialog).innerHTML = html; });
    };
    retrieveDialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-retrieve-search]")) lookup();
    });
    $("#retrieve-id", retrieveDialog).addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); lookup(); }
    });
  }

  // The chosen file's name next to 选择文件.
  $all("[data-file-input]").forEach(function (input) {
    input.addEventListener("change", function () {
      var shown = $("[data-file-name]", input.closest(".field"));
      if (shown) shown.textContent = input.files.length ? input.files[0].name : "未选择文件";
    });
  });

  // Narrow screens show each table row as a card: every cell is labelled with its column's
  // header (data-label), read from the table head so the templates need not repeat it.
  // A table whose columns are months (工作督查) is not a list: it scrolls in its own box.
  $all("table.table:not(.chart-table)").forEach(function (table) {
    table.classList.add("cards");
    var heads = $all("thead th", table).map(function (th) { return th.textContent.trim(); });
    $all("tbody tr", table).forEach(function (row) {
      var column = 0;
      Array.from(row.cells).forEach(function (cell) {
        var single = (cell.colSpan || 1) === 1;
        if (single && !cell.hasAttribute("data-label") && heads[column]) cell.dataset.label = heads[column];
        column += cell.colSpan || 1;
      });
    });
  });

  syncConfirm(document);
})();
