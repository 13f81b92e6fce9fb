// Progressive enhancement only: every page works without JavaScript.
// Kept in a file of its own because the Content-Security-Policy allows no inline script.
import { initAll } from "/assets/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
