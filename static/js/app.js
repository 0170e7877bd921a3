// The page's entry point: hash routing between the job list (#/), a job (#/jobs/<id>) and the new-job form (#/new).

import { h } from "./dom.js";
import { jobListView } from "./jobList.js";
import { jobPageView } from "./jobPage.js";
import { newJobView } from "./newJobForm.js";

const main = document.getElementById("main");
let current = null;

function viewFor(hash) {
  const path = hash.replace(/^#/, "") || "/";
  const job = path.match(/^\/jobs\/([0-9a-fA-F-]{36})$/);
  if (job) return jobPageView(job[1].toLowerCase());
  if (path === "/new") return newJobView();
  if (path === "/") return jobListView();
  return {
    title: "Not found",
    element: h("section", {}, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Back to the jobs"))),
    close() {},
  };
}

function route() {
  current?.close();
  current = viewFor(location.hash);
  main.replaceChildren(current.element);
  document.title = `${current.title} · lorad`;
  for (const link of document.querySelectorAll("nav a")) {
    link.toggleAttribute("aria-current", link.getAttribute("href") === (location.hash || "#/"));
  }
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
route();
