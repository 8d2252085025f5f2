import type { WipeStatus } from "../client";

// The page a wiped device shows: nothing of the user's data is left in
// memory at once, and the page says the browser's storage holds nothing
// only once the wipe has erased it (data-status: erasing, erased or
// incomplete).
export function Wiped({ status }: { status: WipeStatus }) {
  return (
    <main class="auth" id="main">
      <section class="card auth-card wiped" aria-labelledby="wiped-title" id="wiped" data-status={status}>
        <h1 id="wiped-title">This device was wiped</h1>
        {status === "erasing" && (
          <p role="status">An administrator of your organization ordered ward's data erased from this browser: erasing…</p>
        )}
        {status === "erased" && (
          <p role="status">
            An administrator of your organization erased ward's data from this browser. Nothing of your messages or your
            account is left on it.
          </p>
        )}
        {status === "incomplete" && (
          <p role="alert">
            An administrator of your organization ordered ward's data erased from this browser, and some of it could not
            be erased. Clear this site's data in the browser's settings (or close every ward tab and clear it), and tell
            your administrator.
          </p>
        )}
        <p>If you did not expect this, contact your administrator.</p>
        <a class="button" href="/">
          Start again
        </a>
      </section>
    </main>
  );
}
