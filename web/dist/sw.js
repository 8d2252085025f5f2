// ward's service worker (docs/push.md). It caches the app shell only: the
// page, its hashed scripts and styles, the manifest and icons. It never
// caches an API answer (/api/ is never touched), so no PHI is ever kept
// here. A remote wipe unregisters it and deletes its caches (src/wipe.ts).
// A push carries no PHI either: {kind, conversation_id, count}; the
// notification says what kind of thing waits, and a click opens the
// conversation, where ward asks the user to sign in first if needed.
"use strict";

const SHELL = "ward-shell-v1";
const SHELL_FILES = ["/", "/manifest.webmanifest", "/favicon.svg", "/icons/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(SHELL_FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return; // the network, untouched: never cache an API answer
  }
  if (url.pathname.startsWith("/assets/")) {
    // Hashed file names: a name's content never changes.
    event.respondWith(
      caches.open(SHELL).then((c) =>
        c.match(req).then(
          (hit) =>
            hit ||
            fetch(req).then((resp) => {
              if (resp.ok) c.put(req, resp.clone());
              return resp;
            }),
        ),
      ),
    );
    return;
  }
  if (req.mode === "navigate") {
    // The page from the network (a new release at once); the cached shell
    // when offline. Every path is the same page (the client routes).
    event.respondWith(fetch(req).catch(() => caches.match("/")));
  }
});

const TITLES = {
  urgent_message: "Urgent message",
  escalated: "Urgent message escalated to you",
  new_message: "New message",
  break_glass: "Break-glass access opened",
  incident_deadline: "Breach notification deadline",
  baa_expiry: "Business associate agreement expiring",
  activity_alert: "New activity alert",
};

// Compliance officers' notices: a kind and a number only (no incident,
// vendor, user or patient); each opens its page of the console.
const COMPLIANCE = {
  break_glass: "/compliance",
  incident_deadline: "/compliance/incidents",
  baa_expiry: "/compliance/baas",
  activity_alert: "/alerts",
};

function noticeBody(kind, count, days) {
  const left = days === 1 ? "1 day" : `${days} days`;
  switch (kind) {
    case "break_glass":
      return "A clinician broke the glass on a patient. Review it in the compliance console.";
    case "incident_deadline":
      return `The notification deadline of a breach incident is in ${left}.`;
    case "baa_expiry":
      return `A business associate agreement expires in ${left}.`;
    case "activity_alert":
      return count > 1 ? `${count} new activity alerts wait for review.` : "A new activity alert waits for review.";
  }
  return "";
}

self.addEventListener("push", (event) => {
  let p = {};
  try {
    p = event.data ? event.data.json() : {};
  } catch {
    p = {};
  }
  const kind = Object.prototype.hasOwnProperty.call(TITLES, p.kind) ? p.kind : "new_message";
  const conv = typeof p.conversation_id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(p.conversation_id) ? p.conversation_id : "";
  const count = Number.isInteger(p.count) && p.count > 1 ? p.count : 1;
  const days = Number.isInteger(p.days) && p.days > 0 ? p.days : 1;
  const urgent = kind !== "new_message";
  const notice = Object.prototype.hasOwnProperty.call(COMPLIANCE, kind);
  const body = notice
    ? noticeBody(kind, count, days)
    : count > 1
      ? `${count} messages wait for you in ward.`
      : "Open ward to read it.";
  event.waitUntil(
    self.registration.showNotification(TITLES[kind], {
      body,
      tag: `${kind}:${conv}`,
      renotify: urgent,
      requireInteraction: urgent,
      icon: "/icons/icon-192.png",
      data: { url: notice ? COMPLIANCE[kind] : conv ? `/c/${conv}` : "/", kind },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = (event.notification.data && event.notification.data.url) || "/";
  const target = new URL(path, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((wins) => {
      for (const w of wins) {
        if (new URL(w.url).origin === self.location.origin && "focus" in w) {
          return w.navigate(target).then((nw) => (nw || w).focus());
        }
      }
      return self.clients.openWindow(target);
    }),
  );
});
