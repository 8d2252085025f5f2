// The page a wiped device shows: nothing of the user's data is left in
// memory or in the browser's storage.
export function Wiped() {
  return (
    <main class="auth" id="main">
      <section class="card auth-card wiped" aria-labelledby="wiped-title" id="wiped">
        <h1 id="wiped-title">This device was wiped</h1>
        <p>
          An administrator of your organization erased ward's data from this browser. Nothing of your messages or your
          account is left on it.
        </p>
        <p>If you did not expect this, contact your administrator.</p>
        <a class="button" href="/">
          Start again
        </a>
      </section>
    </main>
  );
}
