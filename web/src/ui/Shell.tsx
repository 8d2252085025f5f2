import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { canMessage, isExternal } from "../api";
import { isGuest } from "../outside";
import { navItems } from "../portal";
import { useWard } from "./context";
import { Link, focusOnMount } from "./common";
import { ConversationList } from "./ConversationList";
import { PresenceSelect } from "./Presence";

// Shell is the signed-in frame: a header with navigation, the conversation
// list beside the main pane (on a phone: one or the other), the idle
// warning and a status line.
export function Shell(props: { children: ComponentChildren; listFirst: boolean }) {
  const w = useWard();
  const st = w.store.get();
  const r = st.route.name;
  const messaging = canMessage(st.me?.user.role);
  const nav = navItems(st.me?.user.role);
  const portal = isExternal(st.me?.user.role);
  const guest = isGuest(st.me?.user.role);
  return (
    <div
      class={
        "shell" +
        (props.listFirst && messaging ? " list-first" : " main-first") +
        (messaging ? "" : " no-list") +
        (portal ? " portal" : "")
      }
    >
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          <span class="logo" aria-hidden="true">
            w
          </span>{" "}
          ward
        </Link>
        <nav aria-label="Main">
          {nav.includes("messages") && (
            <Link href="/" aria-current={r === "home" || r === "conversation" ? "page" : undefined}>
              Messages
            </Link>
          )}
          {nav.includes("inbox") && (
            <Link href="/inbox" id="nav-inbox" aria-current={r === "inbox" ? "page" : undefined}>
              Inbox
            </Link>
          )}
          {nav.includes("patients") && (
            <Link href="/patients" id="nav-patients" aria-current={r.startsWith("patient") ? "page" : undefined}>
              Patients
            </Link>
          )}
          {nav.includes("oncall") && (
            <Link href="/oncall" id="nav-oncall" aria-current={r === "oncall" ? "page" : undefined}>
              On call
            </Link>
          )}
          {nav.includes("admin") && (
            <Link href="/admin/users" id="nav-admin" aria-current={r.startsWith("admin") ? "page" : undefined}>
              Admin
            </Link>
          )}
          {nav.includes("audit") && (
            <Link href="/audit" id="nav-audit" aria-current={r === "audit" || (r === "home" && !messaging) ? "page" : undefined}>
              Audit
            </Link>
          )}
          {nav.includes("compliance") && (
            <Link href="/compliance" id="nav-compliance" aria-current={r === "compliance" || r === "review" ? "page" : undefined}>
              Compliance
            </Link>
          )}
          {nav.includes("incidents") && (
            <Link href="/compliance/incidents" id="nav-incidents" aria-current={r === "incidents" || r === "incident" ? "page" : undefined}>
              Incidents
            </Link>
          )}
          {nav.includes("baas") && (
            <Link href="/compliance/baas" id="nav-baas" aria-current={r === "baas" ? "page" : undefined}>
              BAAs
            </Link>
          )}
          {nav.includes("alerts") && (
            <Link href="/alerts" id="nav-alerts" aria-current={r === "alerts" ? "page" : undefined}>
              Alerts{st.alertsRaised.length > 0 && <span class="badge sev-high"> {st.alertsRaised.length}</span>}
            </Link>
          )}
          {nav.includes("accounting") && (
            <Link href="/compliance/accounting" id="nav-accounting" aria-current={r === "accounting" ? "page" : undefined}>
              Accounting
            </Link>
          )}
          {nav.includes("holds") && (
            <Link href="/holds" id="nav-holds" aria-current={r === "holds" ? "page" : undefined}>
              Legal holds
            </Link>
          )}
          {nav.includes("retention") && (
            <Link href="/retention" id="nav-retention" aria-current={r === "retention" ? "page" : undefined}>
              Retention
            </Link>
          )}
          {nav.includes("report") && (
            <Link href="/compliance/report" id="nav-report" aria-current={r === "conformance" ? "page" : undefined}>
              Conformance
            </Link>
          )}
          {nav.includes("dashboard") && (
            <Link href="/admin/dashboard" id="nav-dashboard" aria-current={r === "admin-dashboard" ? "page" : undefined}>
              Dashboard
            </Link>
          )}
          {guest ? (
            <button class="linklike" id="sign-out" onClick={() => void w.signOut()}>
              Sign out
            </button>
          ) : (
            <Link href="/account" id="nav-account" aria-current={r === "account" ? "page" : undefined}>
              Account
            </Link>
          )}
        </nav>
        <PresenceSelect />
        <LiveBadge />
      </header>
      <div class="panes">
        {messaging && (
          <aside class="sidebar" aria-label="Conversations">
            <ConversationList />
          </aside>
        )}
        <main class="main" id="main" tabIndex={-1}>
          {props.children}
        </main>
      </div>
      <IdleWarning />
      <Toast />
    </div>
  );
}

function LiveBadge() {
  const st = useWard().store.get();
  const label = st.live === "open" ? "Live" : st.live === "connecting" ? "Connecting…" : "Offline — retrying";
  return (
    <span class={"live live-" + st.live} role="status" id="live-status">
      {label}
    </span>
  );
}

function IdleWarning() {
  const w = useWard();
  const deadline = w.store.get().idleDeadline;
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!deadline) return;
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [deadline]);
  if (!deadline) return null;
  const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
  return (
    <div class="overlay">
      <div
        class="card dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="idle-title"
        aria-describedby="idle-text"
        id="idle-warning"
      >
        <h2 id="idle-title">Still there?</h2>
        <p id="idle-text">
          {isExternal(w.store.get().me?.user.role) ? "For your privacy" : "For the privacy of your patients"}, you will be signed out in <strong>{left} seconds</strong> unless you
          continue.
        </p>
        <div class="row">
          <button class="primary" ref={focusOnMount} onClick={() => w.stayActive()} id="idle-stay">
            Stay signed in
          </button>
          <button onClick={() => void w.signOut()}>Sign out now</button>
        </div>
      </div>
    </div>
  );
}

function Toast() {
  const w = useWard();
  const msg = w.store.get().toast;
  useEffect(() => {
    if (!msg) return;
    const t = setTimeout(() => w.store.set({ toast: "" }), 6000);
    return () => clearTimeout(t);
  }, [msg]);
  return (
    <div class="toast-region" role="status" aria-live="polite">
      {msg && (
        <div class="toast">
          {msg}{" "}
          <button class="linklike" onClick={() => w.store.set({ toast: "" })} aria-label="Dismiss">
            ✕
          </button>
        </div>
      )}
    </div>
  );
}
