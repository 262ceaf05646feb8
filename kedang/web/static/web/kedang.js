// Keyboard: "/" focuses the global search box; Esc leaves it.
document.addEventListener("keydown", (e) => {
  const input = document.getElementById("kd-search-input");
  if (!input) return;
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (e.key === "/" && !typing) { e.preventDefault(); input.focus(); input.select(); }
  else if (e.key === "Escape" && document.activeElement === input) { input.blur(); }
});
// Customer form: show only the fields of the chosen kind (person / company).
function kdKindToggle() {
  const checked = document.querySelector('input[name="kind"]:checked');
  if (!checked) return;
  document.querySelectorAll("[data-kind]").forEach((el) => {
    el.hidden = el.dataset.kind !== checked.value;
  });
}
document.addEventListener("change", (e) => { if (e.target.name === "kind") kdKindToggle(); });
document.addEventListener("DOMContentLoaded", kdKindToggle);
// The collapsed sidebar stays collapsed across pages.
if (localStorage.getItem("kdCollapsed") === "1") document.body.classList.add("kd-collapsed");
document.addEventListener("click", (e) => {
  if (e.target.closest(".kd-toggle")) {
    setTimeout(() => localStorage.setItem("kdCollapsed", document.body.classList.contains("kd-collapsed") ? "1" : "0"));
  }
});
// Search suggestions: arrows move, Enter opens the highlighted customer, Esc closes.
(function () {
  const form = document.getElementById("kd-search");
  if (!form) return;
  const input = document.getElementById("kd-search-input");
  const box = document.getElementById("kd-suggest");
  const items = () => Array.from(box.querySelectorAll(".kd-suggest-item"));
  input.addEventListener("keydown", (e) => {
    const list = items();
    const i = list.findIndex((el) => el.classList.contains("active"));
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!list.length) return;
      e.preventDefault();
      const next = e.key === "ArrowDown" ? Math.min(i + 1, list.length - 1) : Math.max(i - 1, 0);
      list.forEach((el, k) => el.classList.toggle("active", k === next));
    } else if (e.key === "Enter" && i >= 0) {
      e.preventDefault();
      window.location.href = list[i].href;
    } else if (e.key === "Escape") {
      box.innerHTML = "";
    }
  });
  document.addEventListener("click", (e) => { if (!form.contains(e.target)) box.innerHTML = ""; });
})();
// Signature pad (filing sign-off): draw with mouse, pen or finger; the PNG goes with the form.
(function () {
  const canvas = document.getElementById("kd-signature");
  if (!canvas) return;
  const ctx = canvas.getContext("2d");
  const data = document.getElementById("kd-signature-data");
  let drawing = false, drawn = false;
  ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
  const at = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...at(e)); });
  canvas.addEventListener("pointermove", (e) => { if (!drawing) return; ctx.lineTo(...at(e)); ctx.stroke(); drawn = true; });
  window.addEventListener("pointerup", () => { if (drawing && drawn) data.value = canvas.toDataURL("image/png"); drawing = false; });
  document.getElementById("kd-signature-clear").addEventListener("click", () => {
    ctx.clearRect(0, 0, canvas.width, canvas.height); data.value = ""; drawn = false;
  });
})();
