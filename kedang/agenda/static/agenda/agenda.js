// Follow-up outcome dialog (R-F2): the questionnaire shows only for a reached call.
(function () {
  function toggle(form) {
    const checked = form.querySelector('input[name="outcome"]:checked');
    const questions = form.querySelector(".kd-questionnaire");
    if (questions && checked) questions.hidden = checked.value !== "reached";
  }
  document.addEventListener("change", (e) => {
    const form = e.target.closest(".kd-call-form");
    if (form && e.target.name === "outcome") toggle(form);
  });
  document.addEventListener("htmx:afterSwap", (e) => {
    e.detail.target.querySelectorAll(".kd-call-form").forEach(toggle);
  });
  // a closed dialog shows the loading placeholder next time, not the previous customer's form
  document.addEventListener("hidden.bs.modal", (e) => {
    if (e.target.id !== "kd-call-modal") return;
    const body = document.getElementById("kd-call-body");
    body.innerHTML = document.getElementById("kd-call-loading")?.innerHTML || "";
  });
})();
