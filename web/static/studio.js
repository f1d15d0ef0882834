// The studio's preview follows the form as it changes: the URL (so a link reproduces the poster), the
// preview image and the download links. Without JavaScript the form submits and the page comes back.
// The form's data-state says what the page shows: "loading", "ready", or "error" (the reason in words
// in #s-problem); each change ends with a "studio:state" event on the form ("ready" or "error").
const form = document.querySelector("form.studio-form");
const preview = document.getElementById("s-preview");
const png = document.getElementById("s-png");
const pdf = document.getElementById("s-pdf");
const link = document.getElementById("s-link");
const problem = document.getElementById("s-problem");
const base = form.dataset.files;  // /studio/poster.png
let asked = 0;
let timer = null;

function query() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (value !== "" || !["signature", "note"].includes(name)) params.set(name, value.trim());
  }
  return params;
}

function settle(state, message) {
  form.dataset.state = state;
  problem.hidden = state !== "error";
  problem.textContent = state === "error" ? message : "";
  if (state !== "loading") form.dispatchEvent(new CustomEvent("studio:state", { detail: { state } }));
}

async function update() {
  const params = query();
  const number = ++asked;
  const page = `${location.pathname}?${params}`;
  history.replaceState(null, "", page);
  link.href = page;
  const file = `${base}?${params}`;
  settle("loading", "");
  let answer;
  try {
    answer = await fetch(file);
  } catch {
    if (number === asked) settle("error", "網絡中斷，稍後再試。");
    return;
  }
  if (number !== asked) return;  // a newer change is on its way
  if (!answer.ok) {
    const reason = (await answer.text()).replace(/^\d+ [^:]*: /, "").trim();
    preview.hidden = true;
    png.hidden = pdf.hidden = true;
    settle("error", reason);
    return;
  }
  // The image is shown from its URL (the answer is cached, by the browser and by the studio), and
  // "ready" is said once it has loaded.
  await new Promise((resolve) => {
    preview.addEventListener("load", resolve, { once: true });
    preview.addEventListener("error", resolve, { once: true });
    preview.src = file;
  });
  if (number !== asked) return;
  preview.hidden = false;
  png.href = `${file}&download=1`;
  png.hidden = false;
  const printable = form.elements.format.selectedOptions[0].dataset.print === "yes";
  pdf.href = printable ? `${file.replace("poster.png", "poster.pdf")}&download=1` : "";
  pdf.hidden = !printable;
  settle("ready", "");
}

form.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(update, 250);
});
form.addEventListener("change", () => {
  clearTimeout(timer);
  update();
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  update();
});
form.dataset.enhanced = "yes";
