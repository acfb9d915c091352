// "Copy a permanent link": copies the page pinned to its log position (the absolute URL).
// A static file, not inline script, so a strict Content-Security-Policy allows it.
"use strict";

function copyByHand(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.appendChild(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch (error) {
    copied = false;
  }
  area.remove();
  return copied;
}

async function copyLink(button) {
  const link = new URL(button.dataset.copyLink, window.location.href).href;
  const status = button.parentElement.querySelector("[data-testid=copy-status]");
  let copied = false;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(link);
      copied = true;
    } catch (error) {
      copied = false;
    }
  }
  if (!copied) {
    copied = copyByHand(link);
  }
  button.dataset.copied = link;
  if (status) {
    status.textContent = copied ? "Copied: " + link : "Copy this link: " + link;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-copy-link]")) {
    button.addEventListener("click", () => copyLink(button));
  }
});
