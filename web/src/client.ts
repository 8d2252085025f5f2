// Ward is the client's controller: it owns the state store, the API client,
// the live socket and the idle timer, and the screens call its methods.
// Nothing here is persisted except the device identity and the CSRF token
// (localStorage) and the device secret (IndexedDB, devicesecret.ts):
// messages live in memory only, so a closed tab or a wipe leaves nothing
// behind.
import { upload, type UploadHandle } from "./attachments";
import { Api, ApiError, canMessage, canWriteOutside, isExternal, type LoginAnswer, type Me, type User } from "./api";
import { isPatient } from "./portal";
import { guestClinic, guestSignedOut, guestThreadTitle, isGuest, latestByConversation, mergeOutside, outsideEndpoints, type OutsideMessage } from "./outside";
import { deviceIdentity, type DeviceIdentity } from "./device";
import { idbSecretStore, secretKey, withDeviceSecret, type SecretStore } from "./devicesecret";
import { IdleTimer } from "./idle";
import { LiveConnection, liveURL, type Frame, type LiveStatus } from "./live";
import {
  applyReceipt,
  lastSeq,
  mergeMessages,
  newClientID,
  normConversation,
  normMessage,
  type Attachment,
  type Conversation,
  type Message,
  type ReceiptKind,
} from "./messaging";
import { parseRoute, type Route } from "./router";
import { Store } from "./store";
import { browserWipeEnv, wipeLocalData } from "./wipe";
import { browserPushEnv, refreshPush, registerServiceWorker } from "./push";
import { creationOptions, credentialJSON, requestOptions, type CredentialLike } from "./webauthn";
import { addAlert, alertText, type BreakGlassAlert } from "./compliance";
import { addRaised, raisedText, type RaisedAlert } from "./alerts";

export type Phase = "loading" | "signin" | "enroll" | "app" | "wiped";

// WipeStatus is how far a wipe got: the wiped page shows at once, and says
// the browser holds nothing only once every step is done.
export type WipeStatus = "erasing" | "erased" | "incomplete";

export interface State {
  phase: Phase;
  route: Route;
  me: Me | null;
  users: Record<string, User>; // the org directory, by id
  // patientNames names patient accounts by user id, from the records this
  // session read (an audited read): patients are not in the directory.
  patientNames: Record<string, string>;
  conversations: Conversation[];
  conversationsLoaded: boolean;
  messages: Record<string, Message[]>; // by conversation id
  live: LiveStatus;
  idleDeadline: number | null; // the idle warning is showing until this time
  notice: string; // shown on the sign-in page (why the user was signed out)
  toast: string; // a short message for the user (errors of background actions)
  // The sender's outside threads (src/outside.ts): each one's latest secure
  // message, by conversation id; what tells an outside thread apart.
  outside: Record<string, OutsideMessage>;
  clinic: string; // a guest: the clinic their link came from ("" after a reload: me.org.name then)
  // onCallLabels: the conversations this session opened through an on-call
  // role, with whom the role reached: "Cardiology on call (Dr Shah)".
  onCallLabels: Record<string, string>;
  // breakGlass: the live break-glass alerts of this session, newest first
  // (compliance officers' sockets only; src/compliance.ts).
  breakGlass: BreakGlassAlert[];
  // alertsRaised: the activity-monitoring alerts raised while this session
  // was open, newest first (compliance officers' sockets only; src/alerts.ts).
  alertsRaised: RaisedAlert[];
  wipe: WipeStatus; // with phase "wiped"
}

const initial: State = {
  phase: "loading",
  route: { name: "home" },
  me: null,
  users: {},
  patientNames: {},
  conversations: [],
  conversationsLoaded: false,
  messages: {},
  live: "connecting",
  idleDeadline: null,
  notice: "",
  toast: "",
  outside: {},
  clinic: "",
  onCallLabels: {},
  breakGlass: [],
  alertsRaised: [],
  wipe: "erasing",
};

const csrfKey = "ward.csrf";

// The messaging endpoints (internal/httpapi/conversations.go).
export const endpoints = {
  conversations: "/api/v1/conversations",
  conversation: (id: string) => `/api/v1/conversations/${encodeURIComponent(id)}`,
  messages: (id: string) => `/api/v1/conversations/${encodeURIComponent(id)}/messages`,
  receipts: (cid: string) => `/api/v1/conversations/${encodeURIComponent(cid)}/receipts`,
  ack: (mid: string) => `/api/v1/messages/${encodeURIComponent(mid)}/ack`,
  recall: (mid: string) => `/api/v1/messages/${encodeURIComponent(mid)}/recall`,
};

// pageSize is how many messages one listing asks for (the API's maximum).
const pageSize = 200;

export class Ward {
  store = new Store<State>(initial);
  api: Api;
  device: DeviceIdentity;
  private csrf = "";
  private live: LiveConnection | null = null;
  private idle: IdleTimer | null = null;
  private lastActivity = 0;
  private wiping = false;
  private secrets: SecretStore = idbSecretStore(globalThis.indexedDB);

  constructor() {
    this.api = new Api({
      csrf: () => this.csrf,
      onRequest: () => this.idle?.noteRequest(),
      onWiped: () => void this.wipe(),
      onUnauthenticated: () => this.signedOut("Your session ended. Sign in again."),
    });
    this.device = this.loadDevice();
    try {
      this.csrf = localStorage.getItem(csrfKey) ?? "";
    } catch {
      this.csrf = "";
    }
  }

  private loadDevice(): DeviceIdentity {
    return deviceIdentity(localStorage, navigator.userAgent, () => crypto.randomUUID());
  }

  get state(): State {
    return this.store.get();
  }

  // ---- boot, routing ----

  async boot(): Promise<void> {
    const onPop = () => this.store.set({ route: parseRoute(location.pathname) });
    window.addEventListener("popstate", onPop);
    const act = () => {
      this.lastActivity = Date.now();
      this.idle?.noteActivity();
    };
    for (const ev of ["keydown", "pointerdown", "touchstart"]) window.addEventListener(ev, act, { passive: true });
    window.addEventListener("online", () => this.live?.retryNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        this.live?.retryNow();
        this.markOpenRead();
      }
    });
    this.store.set({ route: parseRoute(location.pathname) });
    // The service worker caches the app shell (never PHI) and shows pushes.
    void registerServiceWorker(browserPushEnv()).catch(() => {});
    if (!this.csrf) {
      this.store.set({ phase: "signin" });
      return;
    }
    try {
      const me = await this.api.get<Me>("/api/v1/me", { quiet: true });
      await this.enter(me);
    } catch (e) {
      if (e instanceof ApiError && e.code === "device_wiped") return this.wipe();
      if (e instanceof ApiError && e.code === "mfa_enrollment_required") {
        this.store.set({ phase: "enroll" });
        return;
      }
      this.forgetSession();
      this.store.set({ phase: "signin" });
    }
  }

  navigate(path: string, replace = false): void {
    if (path !== location.pathname) {
      if (replace) history.replaceState(null, "", path);
      else history.pushState(null, "", path);
    }
    this.store.set({ route: parseRoute(path) });
  }

  toast(msg: string): void {
    this.store.set({ toast: msg });
  }

  // ---- signing in and out ----

  // signIn answers "mfa" when a second factor is needed; other refusals
  // throw ApiError.
  async signIn(f: {
    email: string;
    password: string;
    totp?: string;
    recovery?: string;
    org?: string;
    webauthn?: { challenge_id: string; response: Record<string, unknown> };
  }): Promise<"ok" | "mfa" | "enroll"> {
    this.device = this.loadDevice();
    let ans: LoginAnswer;
    try {
      ans = await withDeviceSecret(this.secrets, secretKey(f.email, f.org, this.device.id), (secret, others) =>
        this.api.post<LoginAnswer>(
          "/api/v1/sessions",
          {
            email: f.email,
            password: f.password,
            ...(f.totp ? { totp: f.totp } : {}),
            ...(f.recovery ? { recovery_code: f.recovery } : {}),
            ...(f.org ? { org: f.org } : {}),
            ...(f.webauthn ? { webauthn: f.webauthn } : {}),
            device: this.deviceProof(secret, others),
            cookie: true,
          },
          { quiet: true },
        ),
      );
    } catch (e) {
      if (e instanceof ApiError && e.code === "mfa_required") {
        this.mfaFactors = e.factors?.length ? e.factors : ["totp"];
        return "mfa";
      }
      if (e instanceof ApiError && e.code === "device_wiped") {
        // This browser was wiped before it could be told: erase now.
        await this.wipe(false);
      }
      throw e;
    }
    return this.signedIn(ans);
  }

  // deviceProof is a sign-in's device: its id and name, the secret kept for
  // this sign-in and the ones kept for the device under other sign-ins.
  private deviceProof(secret: string | undefined, others: string[]) {
    return {
      id: this.device.id,
      name: this.device.name,
      ...(secret ? { secret } : {}),
      ...(others.length ? { other_secrets: others } : {}),
    };
  }

  // signedIn opens the app after a sign-in's answer (a password's, an
  // identity provider's).
  private async signedIn(ans: LoginAnswer): Promise<"ok" | "enroll"> {
    this.csrf = ans.csrf_token ?? "";
    localStorage.setItem(csrfKey, this.csrf);
    this.store.set({ notice: "" });
    if (ans.enrollment_required?.length) {
      this.store.set({ phase: "enroll" });
      return "enroll";
    }
    const me = await this.api.get<Me>("/api/v1/me");
    await this.enter(me);
    return "ok";
  }

  // ssoButton asks whether an org (by its slug) signs in through an
  // identity provider; null when it does not.
  async ssoButton(org: string): Promise<{ label: string; start: string } | null> {
    if (!org.trim()) return null;
    try {
      return await this.api.get<{ label: string; start: string }>(`/api/v1/sso/${encodeURIComponent(org.trim())}`, { quiet: true });
    } catch {
      return null;
    }
  }

  // signInWithSSO finishes a sign-in through the identity provider (its
  // ticket waits in an HttpOnly cookie): this device, and ward's second
  // factor when the provider did not vouch for one. "mfa" as signIn.
  async signInWithSSO(f: {
    totp?: string;
    recovery?: string;
    webauthn?: { challenge_id: string; response: Record<string, unknown> };
  }): Promise<"ok" | "mfa" | "enroll"> {
    this.device = this.loadDevice();
    let ans: LoginAnswer;
    try {
      // whose sign-in the ticket is: the device secret is kept per account,
      // as a password sign-in's is (on a shared workstation, each person's)
      const who = await this.api.get<{ email: string; org: string }>("/api/v1/sessions/sso", { quiet: true });
      ans = await withDeviceSecret(this.secrets, secretKey(who.email, who.org, this.device.id), (secret, others) =>
        this.api.post<LoginAnswer>(
          "/api/v1/sessions/sso",
          {
            ...(f.totp ? { totp: f.totp } : {}),
            ...(f.recovery ? { recovery_code: f.recovery } : {}),
            ...(f.webauthn ? { webauthn: f.webauthn } : {}),
            device: this.deviceProof(secret, others),
            cookie: true,
          },
          { quiet: true },
        ),
      );
    } catch (e) {
      if (e instanceof ApiError && e.code === "mfa_required") {
        this.mfaFactors = e.factors?.length ? e.factors : ["totp"];
        return "mfa";
      }
      throw e;
    }
    return this.signedIn(ans);
  }

  // signInWithSSOPasskey confirms an identity provider's sign-in with a
  // passkey as ward's second factor: a challenge for the sign-in's ticket,
  // the browser's passkey prompt, then the finish with its answer.
  async signInWithSSOPasskey(): Promise<"ok" | "mfa" | "enroll"> {
    const ch = await this.api.post<{ challenge_id: string; options: Record<string, unknown> }>(
      "/api/v1/sessions/sso/webauthn/challenge",
      {},
      { quiet: true },
    );
    const cred = (await navigator.credentials.get({ publicKey: requestOptions(ch.options) })) as CredentialLike | null;
    if (!cred) throw new Error("No passkey was chosen.");
    return this.signInWithSSO({ webauthn: { challenge_id: ch.challenge_id, response: credentialJSON(cred) } });
  }

  // acceptInvitation opens a patient's account from an invitation link
  // (POST /api/v1/invitations/{token}/accept) and signs in as a sign-in
  // does; the device secret the answer carries is kept for the email. The
  // page then may offer a passkey before enterFromInvitation.
  async acceptInvitation(token: string, f: { password: string; emailCode?: string }): Promise<void> {
    this.device = this.loadDevice();
    const ans = await this.api.post<LoginAnswer>(
      `/api/v1/invitations/${encodeURIComponent(token)}/accept`,
      {
        password: f.password,
        ...(f.emailCode ? { email_code: f.emailCode.replace(/\s+/g, "") } : {}),
        device: { id: this.device.id, name: this.device.name },
        cookie: true,
      },
      { quiet: true },
    );
    if (ans.device_secret) {
      await this.secrets.put(secretKey(ans.user.email, undefined, this.device.id), ans.device_secret).catch(() => {});
    }
    this.csrf = ans.csrf_token ?? "";
    localStorage.setItem(csrfKey, this.csrf);
    this.store.set({ notice: "" });
  }

  // enterFromInvitation opens the app after an accepted invitation (and the
  // passkey the page may have offered), on the home screen.
  async enterFromInvitation(): Promise<void> {
    const me = await this.api.get<Me>("/api/v1/me");
    history.replaceState(null, "", "/");
    this.store.set({ route: { name: "home" } });
    await this.enter(me);
  }

  // mfaFactors: the second factors the last mfa_required answer offered.
  mfaFactors: string[] = [];

  // signInWithPasskey: the password again, a challenge, the browser's
  // passkey prompt, then the sign-in with its answer.
  async signInWithPasskey(f: { email: string; password: string; org?: string }): Promise<"ok" | "mfa" | "enroll"> {
    this.device = this.loadDevice();
    const ch = await this.api.post<{ challenge_id: string; options: Record<string, unknown> }>(
      "/api/v1/sessions/webauthn/challenge",
      {
        email: f.email,
        password: f.password,
        ...(f.org ? { org: f.org } : {}),
        device: { id: this.device.id, name: this.device.name },
      },
      { quiet: true },
    );
    const cred = (await navigator.credentials.get({ publicKey: requestOptions(ch.options) })) as CredentialLike | null;
    if (!cred) throw new Error("No passkey was chosen.");
    return this.signIn({ ...f, webauthn: { challenge_id: ch.challenge_id, response: credentialJSON(cred) } });
  }

  // addPasskey registers a passkey for the signed-in user; the answer has
  // recovery codes when the user had none yet.
  async addPasskey(name: string): Promise<{ recovery_codes?: string[] }> {
    const ch = await this.api.post<{ challenge_id: string; options: Record<string, unknown> }>("/api/v1/mfa/webauthn", {});
    const cred = (await navigator.credentials.create({ publicKey: creationOptions(ch.options) })) as CredentialLike | null;
    if (!cred) throw new Error("No passkey was made.");
    return this.api.post<{ recovery_codes?: string[] }>("/api/v1/mfa/webauthn/confirm", {
      challenge_id: ch.challenge_id,
      ...(name.trim() ? { name: name.trim() } : {}),
      response: credentialJSON(cred),
    });
  }

  async enrolled(): Promise<void> {
    const me = await this.api.get<Me>("/api/v1/me");
    await this.enter(me);
  }

  private async enter(me: Me): Promise<void> {
    this.store.set({ me, phase: me.mfa_enrollment_required ? "enroll" : "app" });
    if (me.mfa_enrollment_required) return;
    this.startIdle(me.idle_timeout);
    this.startLive(); // every role: a wipe order can arrive over it
    // A push subscription lives as long as the session that posted it:
    // a new session posts the one this browser has (if the user opted in).
    if (canMessage(me.user.role) && !isGuest(me.user.role)) void refreshPush(this.api, browserPushEnv()).catch(() => {});
    // A patient or a guest has no staff directory (the server refuses
    // it): not asked.
    if (canMessage(me.user.role))
      await Promise.all([
        isExternal(me.user.role) ? undefined : this.loadDirectory(),
        this.loadConversations(),
        canWriteOutside(me.user.role) ? this.loadOutside() : undefined,
      ]);
    else this.store.set({ conversationsLoaded: true });
  }

  private startIdle(seconds: number): void {
    this.idle?.stop();
    this.idle = new IdleTimer({
      timeoutMs: Math.max(1, seconds) * 1000,
      onWarn: (deadline) => this.store.set({ idleDeadline: deadline }),
      onClear: () => this.store.set({ idleDeadline: null }),
      onKeepAlive: () => void this.api.get<Me>("/api/v1/me").catch(() => {}),
      onExpire: () => void this.signOut("idle"),
    });
  }

  stayActive(): void {
    this.lastActivity = Date.now();
    void this.api.get<Me>("/api/v1/me").catch(() => {});
  }

  private stopBackground(): void {
    this.live?.stop();
    this.live = null;
    this.idle?.stop();
    this.idle = null;
  }

  private forgetSession(): void {
    this.csrf = "";
    try {
      localStorage.removeItem(csrfKey);
    } catch {
      /* storage unavailable */
    }
  }

  // signOut ends this session ("idle": the idle timeout ran out).
  async signOut(why: "user" | "idle" = "user"): Promise<void> {
    const idleSecs = this.state.me?.idle_timeout ?? 0;
    this.stopBackground();
    await this.api.del("/api/v1/sessions/current", { quiet: true }).catch(() => {});
    this.signedOut(
      why === "idle"
        ? `You were signed out after ${formatDuration(idleSecs)} without activity.`
        : "You signed out.",
    );
  }

  async signOutEverywhere(): Promise<void> {
    await this.api.del("/api/v1/sessions");
    this.stopBackground();
    this.signedOut("You signed out on every device.");
  }

  private signedOut(notice: string): void {
    if (this.state.phase === "wiped") return;
    if (isGuest(this.state.me?.user.role)) notice = guestSignedOut(notice);
    this.stopBackground();
    this.forgetSession();
    this.store.reset({ phase: "signin", notice, route: parseRoute(location.pathname) });
  }

  // ---- wipe ----

  // wipe erases everything this client holds, confirms to the server (when
  // it still has a session to do it with), and shows the wiped page.
  async wipe(confirm = true): Promise<void> {
    if (this.wiping) return;
    this.wiping = true;
    const csrf = this.csrf;
    this.stopBackground();
    this.csrf = "";
    // Memory first: drop every message, conversation and user.
    this.store.reset({ phase: "wiped", route: { name: "home" } });
    const report = await wipeLocalData(browserWipeEnv());
    if (report.errors.length) console.warn("wipe: some steps failed", report.errors);
    this.store.set({ wipe: report.errors.length ? "incomplete" : "erased" });
    if (confirm) {
      const confirmApi = new Api({ csrf: () => csrf });
      for (let i = 0; i < 3; i++) {
        try {
          await confirmApi.post("/api/v1/devices/current/wipe-confirmation", {}, { quiet: true });
          break;
        } catch (e) {
          if (e instanceof ApiError && e.status > 0 && e.status < 500) break;
          await new Promise((r) => setTimeout(r, 1000 * (i + 1)));
        }
      }
    }
    history.replaceState(null, "", "/");
    document.title = "ward — device wiped";
  }

  // ---- live ----

  private startLive(): void {
    this.live?.stop();
    this.live = new LiveConnection({
      url: liveURL(location),
      onFrame: (f) => this.onFrame(f),
      onOpen: (reconnected) => {
        if (reconnected) void this.catchUp();
      },
      onStatus: (s) => this.store.set({ live: s }),
      onTrouble: () => void this.api.get<Me>("/api/v1/me", { background: true }).catch(() => {}),
      // 4401/4403: the session or device is done; /me says why (and a
      // wipe order is carried out by the API hooks). A session that a new
      // policy made enrol-only (MFA now required) goes to enrolment.
      // 4409: the user's role changed; the session stands but every screen
      // may differ (an admin reads no messages): start again from /me.
      onFatal: (code) =>
        code === 4409
          ? location.reload()
          : void this.api.get<Me>("/api/v1/me", { background: true }).then(
          (me) => {
            if (me.mfa_enrollment_required) {
              this.stopBackground();
              this.store.set({ me, phase: "enroll" });
              return;
            }
            this.startLive();
          },
          () => {},
        ),
    });
    this.live.start();
  }

  // catchUp asks for what the socket missed while it was down.
  private async catchUp(): Promise<void> {
    await this.loadConversations(true);
    const r = this.state.route;
    if (r.name === "conversation") await this.loadMessages(r.id, true, true).catch(() => {});
  }

  private onFrame(f: Frame): void {
    const data = (f.data ?? {}) as Record<string, unknown>;
    switch (f.type) {
      case "device.wipe":
        void this.wipe();
        return;
      case "message.created": {
        const raw = ((data.message as Record<string, unknown>) ?? data) as Record<string, unknown>;
        const m = normMessage(raw, f.conversation_id ?? "");
        if (!m.seq && f.seq) m.seq = f.seq;
        const cid = m.conversation_id;
        if (data.renotify === true || data.escalated === true || typeof raw.body !== "string") {
          // An urgent message is still unacknowledged (or escalated to this
          // user as backup): no body travels; fetch what is missing.
          const conv = this.state.conversations.find((c) => c.id === cid);
          this.toast(
            data.escalated === true
              ? "An urgent message was escalated to you."
              : `Urgent message still waiting in ${conv ? this.conversationTitle(conv) : "a conversation"}.`,
          );
          void this.loadConversations(true);
          if (this.state.messages[cid]) void this.loadMessages(cid, true, true).catch(() => {});
          return;
        }
        this.gotMessages(cid, [m], true);
        // The guest wrote: the thread's status is now "replied".
        if (this.state.outside[cid] && m.sender_id !== this.state.me?.user.id) void this.loadOutside(cid);
        return;
      }
      case "message.recalled": {
        const cid = f.conversation_id ?? String(data.conversation_id ?? "");
        const mid = String(data.message_id ?? data.id ?? "");
        this.updateMessage(cid, (m) => m.id === mid || (!!f.seq && m.seq === f.seq), (m) => ({
          ...m,
          body: "",
          recalled: true,
        }));
        return;
      }
      case "receipt": {
        const cid = f.conversation_id ?? String(data.conversation_id ?? "");
        const ids = Array.isArray(data.message_ids) ? (data.message_ids as unknown[]).map(String) : [];
        if (typeof data.message_id === "string") ids.push(data.message_id);
        const kind = String(data.kind ?? "") as ReceiptKind;
        const user = String(data.user_id ?? "");
        const at = String(data.at ?? new Date().toISOString());
        const upTo = Number(data.up_to_seq ?? f.seq ?? 0);
        if (!["delivered", "read", "acknowledged"].includes(kind) || !user) return;
        // The guest of an outside thread got or read a message: they opened
        // a link, so the thread's status may have moved on.
        if (this.state.outside[cid] && user !== this.state.me?.user.id) void this.loadOutside(cid);
        this.updateMessage(
          cid,
          (m) => (ids.length ? ids.includes(m.id) : m.seq > 0 && m.seq <= upTo) && m.sender_id !== user,
          (m) => applyReceipt(m, user, kind, at),
        );
        return;
      }
      case "conversation.updated":
        void this.loadConversations(true);
        return;
      case "breakglass.opened": {
        const a = data as unknown as BreakGlassAlert;
        if (typeof a.id !== "string") return;
        this.store.set((s) => ({ breakGlass: addAlert(s.breakGlass, a) }));
        this.toast(alertText(a));
        return;
      }
      case "alert.raised": {
        const a = data as unknown as RaisedAlert;
        if (typeof a.id !== "string") return;
        this.store.set((s) => ({ alertsRaised: addRaised(s.alertsRaised, a) }));
        this.toast(raisedText(a));
        return;
      }
    }
  }

  private updateMessage(cid: string, match: (m: Message) => boolean, fn: (m: Message) => Message): void {
    const list = this.state.messages[cid];
    if (!list) return;
    this.store.set((s) => ({ messages: { ...s.messages, [cid]: list.map((m) => (match(m) ? fn(m) : m)) } }));
  }

  private gotMessages(cid: string, ms: Message[], live: boolean): void {
    const me = this.state.me?.user.id;
    const list = this.state.messages[cid];
    let conv = this.state.conversations.find((c) => c.id === cid);
    if (live) this.markDelivered(cid, ms.filter((m) => m.sender_id !== me));
    if (!conv) {
      void this.loadConversations(true);
      return;
    }
    if (list) {
      const known = lastSeq(list);
      const gap = ms.some((m) => m.seq > known + 1 && !list.some((x) => x.seq === m.seq - 1));
      this.store.set((s) => ({ messages: { ...s.messages, [cid]: mergeMessages(list, ms) } }));
      if (gap && live) void this.loadMessages(cid, true, true).catch(() => {});
    }
    const viewing = this.viewing(cid);
    const fresh = ms.filter((m) => m.seq > conv!.last_seq);
    if (fresh.length) {
      const newest = fresh.reduce((a, b) => (a.seq > b.seq ? a : b));
      const fromOthers = fresh.filter((m) => m.sender_id !== me);
      conv = {
        ...conv,
        last_seq: newest.seq,
        last_message_at: newest.created_at || conv.last_message_at,
        unread: viewing ? conv.unread : conv.unread + fromOthers.length,
        urgent_unacked: conv.urgent_unacked + fromOthers.filter((m) => m.priority === "urgent").length,
      };
      this.store.set((s) => ({ conversations: sortConversations(s.conversations.map((c) => (c.id === cid ? conv! : c))) }));
    }
    if (viewing) this.markOpenRead();
  }

  private viewing(cid: string): boolean {
    const r = this.state.route;
    return r.name === "conversation" && r.id === cid && document.visibilityState === "visible";
  }

  // ---- data ----

  async loadDirectory(): Promise<void> {
    try {
      const ans = await this.api.get<{ users: User[] }>("/api/v1/users");
      const users: Record<string, User> = {};
      for (const u of ans.users) users[u.id] = u;
      this.store.set({ users });
    } catch {
      /* roles without a directory (patients) */
    }
  }

  async loadConversations(background = false): Promise<void> {
    try {
      const ans = await this.api.get<{ conversations: Record<string, unknown>[] }>(endpoints.conversations, { background });
      const list = (ans.conversations ?? []).map(normConversation);
      this.store.set({ conversations: sortConversations(list), conversationsLoaded: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) this.store.set({ conversationsLoaded: true });
    }
  }

  // loadMessages loads a conversation's messages: the newest page, or
  // (after) only those after the newest one held.
  async loadMessages(cid: string, after = false, background = false): Promise<void> {
    const held = this.state.messages[cid] ?? [];
    const conv = this.state.conversations.find((c) => c.id === cid);
    let since = after && held.length ? lastSeq(held) : Math.max(0, (conv?.last_seq ?? 0) - pageSize);
    for (let page = 0; page < 50; page++) {
      const ans = await this.api.get<{ messages: Record<string, unknown>[] }>(
        `${endpoints.messages(cid)}?after=${since}&limit=${pageSize}`,
        { background },
      );
      const ms = (ans.messages ?? []).map((m) => normMessage(m, cid));
      const cur = this.state.messages[cid] ?? [];
      this.store.set((s) => ({ messages: { ...s.messages, [cid]: mergeMessages(cur, ms) } }));
      if (ms.length < pageSize) break;
      since = lastSeq(ms);
    }
    this.markOpenRead();
  }

  async openConversation(cid: string): Promise<void> {
    if (!this.state.conversationsLoaded) await this.loadConversations();
    await this.loadMessages(cid, !!this.state.messages[cid]);
  }

  // markOpenRead sends a read receipt for the open conversation when the
  // user can see it and was recently at the device (an unattended screen
  // does not "read").
  markOpenRead(): void {
    const r = this.state.route;
    if (r.name !== "conversation" || document.visibilityState !== "visible") return;
    if (Date.now() - this.lastActivity > 2 * 60_000) return;
    const me = this.state.me?.user.id;
    const list = this.state.messages[r.id] ?? [];
    const upTo = lastSeq(list);
    const conv = this.state.conversations.find((c) => c.id === r.id);
    const unreadFromOthers = list.some(
      (m) => m.sender_id !== me && m.seq > 0 && !m.receipts.some((x) => x.user_id === me && x.read_at),
    );
    if (!upTo || (!unreadFromOthers && !conv?.unread)) return;
    if (this.readSent[r.id] >= upTo) return;
    this.readSent[r.id] = upTo;
    const now = new Date().toISOString();
    this.store.set((s) => ({
      conversations: s.conversations.map((c) => (c.id === r.id ? { ...c, unread: 0 } : c)),
      messages: {
        ...s.messages,
        [r.id]: list.map((m) => (m.sender_id !== me && m.seq <= upTo ? applyReceipt(m, me ?? "", "read", now) : m)),
      },
    }));
    this.mark(r.id, "read", upTo).catch(() => {
      this.readSent[r.id] = 0;
    });
  }
  private readSent: Record<string, number> = {};

  // markDelivered tells the senders that messages reached this device
  // (batched: one receipt per conversation per burst).
  private markDelivered(cid: string, ms: Message[]): void {
    const top = ms.reduce((n, m) => Math.max(n, m.seq), 0);
    if (!top) return;
    this.deliverUpTo[cid] = Math.max(this.deliverUpTo[cid] ?? 0, top);
    if (this.deliverTimer) return;
    this.deliverTimer = setTimeout(() => {
      this.deliverTimer = null;
      const due = this.deliverUpTo;
      this.deliverUpTo = {};
      for (const [c, upTo] of Object.entries(due)) {
        this.mark(c, "delivered", upTo).catch(() => {});
      }
    }, 150);
  }

  // mark marks a conversation's messages up to upTo delivered or read: over
  // the live socket when it is up (no request per mark), over HTTP when it
  // is not or gave no "marked" answer (a mark repeated changes nothing).
  private async mark(cid: string, kind: "delivered" | "read", upTo: number): Promise<void> {
    const frame = { type: "mark", conversation_id: cid, kind, up_to_seq: upTo };
    const viaSocket = this.live?.open ? await this.live.request(frame).catch(() => null) : null;
    if (viaSocket?.type === "marked") return;
    await this.api.post(endpoints.receipts(cid), { kind, up_to_seq: upTo }, { background: true });
  }
  private deliverUpTo: Record<string, number> = {};
  private deliverTimer: ReturnType<typeof setTimeout> | null = null;

  // uploadFile uploads one file to a conversation (not sent until a
  // message names it); progress is 0..100.
  uploadFile(cid: string, file: File, onProgress: (pct: number) => void): UploadHandle {
    const h = upload(cid, file, this.csrf, onProgress);
    return {
      abort: h.abort,
      done: h.done.then(
        (a) => {
          this.idle?.noteRequest();
          return a;
        },
        (e: unknown) => {
          if (e instanceof ApiError && e.code === "device_wiped") void this.wipe();
          else if (e instanceof ApiError && e.code === "unauthenticated") this.signedOut("Your session ended. Sign in again.");
          throw e;
        },
      ),
    };
  }

  async send(cid: string, body: string, urgent: boolean, attachments: Attachment[] = []): Promise<void> {
    const me = this.state.me!.user.id;
    const pending: Message = {
      id: "",
      conversation_id: cid,
      seq: 0,
      sender_id: me,
      client_id: newClientID(),
      body,
      priority: urgent ? "urgent" : "normal",
      created_at: new Date().toISOString(),
      recalled: false,
      receipts: [],
      attachments,
      pending: true,
    };
    this.store.set((s) => ({ messages: { ...s.messages, [cid]: mergeMessages(s.messages[cid] ?? [], [pending]) } }));
    await this.deliver(cid, pending);
  }

  // retry sends a failed message again with the same client_id, so the
  // server stores it once even if the first attempt did get through.
  async retry(cid: string, clientID: string): Promise<void> {
    const m = (this.state.messages[cid] ?? []).find((x) => x.client_id === clientID);
    if (m) await this.deliver(cid, { ...m, failed: undefined, pending: true });
  }

  private async deliver(cid: string, m: Message): Promise<void> {
    this.updateMessage(cid, (x) => x.client_id === m.client_id, () => m);
    const req = {
      client_id: m.client_id,
      body: m.body,
      priority: m.priority,
      ...(m.attachments.length ? { attachment_ids: m.attachments.map((a) => a.id) } : {}),
    };
    try {
      // In an outside thread (the sender's side) every message goes through
      // the outside route, which mails the guest a fresh link.
      // Otherwise over the live socket when it is up (no request per
      // message); over HTTP when it is not, or when the socket gave no
      // "sent" answer: the same client_id stores the message once, and a
      // refusal then comes back the way the rest of the app handles errors.
      const outside = !!this.state.outside[cid] && !isGuest(this.state.me?.user.role);
      const viaSocket =
        this.live?.open && !outside
          ? await this.live.request({ type: "send", conversation_id: cid, ...req }).catch(() => null)
          : null;
      const ans = outside
        ? (await this.sendOutside({ conversation_id: cid, client_id: m.client_id, body: m.body, attachment_ids: req.attachment_ids })).message
        : viaSocket?.type === "sent" && viaSocket.message
          ? viaSocket.message
          : await this.api.post<Record<string, unknown>>(endpoints.messages(cid), req);
      const sent = normMessage((ans.message as Record<string, unknown>) ?? ans, cid);
      this.gotMessages(
        cid,
        [
          {
            ...m,
            ...sent,
            body: sent.body || m.body,
            attachments: sent.attachments.length ? sent.attachments : m.attachments,
            pending: false,
            failed: undefined,
          },
        ],
        false,
      );
    } catch (e) {
      this.updateMessage(
        cid,
        (x) => x.client_id === m.client_id,
        (x) => ({ ...x, pending: false, failed: e instanceof Error ? e.message : "failed" }),
      );
    }
  }

  async acknowledge(cid: string, m: Message): Promise<void> {
    const me = this.state.me!.user.id;
    await this.api.post(endpoints.ack(m.id), {});
    this.updateMessage(cid, (x) => x.id === m.id, (x) => applyReceipt(x, me, "acknowledged", new Date().toISOString()));
    this.store.set((s) => ({
      conversations: s.conversations.map((c) =>
        c.id === cid ? { ...c, urgent_unacked: Math.max(0, c.urgent_unacked - 1) } : c,
      ),
    }));
  }

  async recall(cid: string, m: Message): Promise<void> {
    await this.api.post(endpoints.recall(m.id), {});
    this.updateMessage(cid, (x) => x.id === m.id, (x) => ({ ...x, body: "", recalled: true }));
  }

  // createConversation starts a conversation; patientID ("" for none) names
  // the patient record it is about.
  async createConversation(kind: "direct" | "group", members: string[], title: string, patientID = ""): Promise<string> {
    const ans = await this.api.post<Record<string, unknown>>(endpoints.conversations, {
      kind,
      members,
      ...(title ? { title } : {}),
      ...(patientID ? { patient_id: patientID } : {}),
    });
    const c = normConversation((ans.conversation as Record<string, unknown>) ?? ans);
    this.store.set((s) => ({
      conversations: sortConversations([c, ...s.conversations.filter((x) => x.id !== c.id)]),
    }));
    return c.id;
  }

  // ---- outside addresses (src/outside.ts) ----

  // loadOutside loads the sender's secure messages: every thread's latest,
  // or (cid) that thread's only.
  async loadOutside(cid = ""): Promise<void> {
    try {
      const ans = await this.api.get<{ outside_messages: OutsideMessage[] }>(
        cid ? outsideEndpoints.ofConversation(cid) : outsideEndpoints.messages,
        { background: true },
      );
      const latest = latestByConversation(ans.outside_messages ?? []);
      // The full list replaces what is held (a thread may be gone); either
      // merges so that a late answer does not undo a newer one.
      this.store.set((s) => ({ outside: mergeOutside(cid ? s.outside : pick(s.outside, latest), latest) }));
    } catch {
      /* a role without outside messages, or a server without --smtp */
    }
  }

  // sendOutside posts a secure message (a new thread by email, or a
  // continued one by conversation_id), keeps the thread's new status, and
  // answers the message as sent and its thread.
  async sendOutside(req: {
    email?: string;
    conversation_id?: string;
    client_id?: string;
    body: string;
    attachment_ids?: string[];
  }): Promise<{ conversation_id: string; message: Record<string, unknown> }> {
    const ans = await this.api.post<{ conversation_id: string; message: Record<string, unknown>; recipient: OutsideMessage }>(
      outsideEndpoints.messages,
      { ...req, client_id: req.client_id ?? newClientID() },
    );
    this.store.set((s) => ({ outside: mergeOutside(s.outside, { [ans.conversation_id]: ans.recipient }) }));
    return ans;
  }

  // writeOutside starts (or continues) the thread with an email address and
  // answers its conversation id.
  async writeOutside(email: string, body: string): Promise<string> {
    const ans = await this.sendOutside({ email: email.trim(), body });
    await this.loadConversations();
    return ans.conversation_id;
  }

  // openOutside uses a link with its mailed code and signs in as the guest
  // (POST /api/v1/outside/{token}/open), as a sign-in does; the app opens
  // on their thread.
  async openOutside(token: string, code: string, clinic: string): Promise<void> {
    this.device = this.loadDevice();
    const ans = await this.api.post<LoginAnswer>(
      outsideEndpoints.open(token),
      { email_code: code.replace(/\s+/g, ""), device: { id: this.device.id, name: this.device.name }, cookie: true },
      { quiet: true },
    );
    this.csrf = ans.csrf_token ?? "";
    localStorage.setItem(csrfKey, this.csrf);
    this.store.set({ notice: "", clinic });
    await this.enterFromInvitation();
    // Phone-first: a guest with one thread (the usual case) lands in it.
    const convs = this.state.conversations;
    if (convs.length === 1) this.navigate(`/c/${convs[0].id}`, true);
  }

  // ---- names ----

  userName(id: string): string {
    const u = this.state.users[id];
    if (u) return u.name || u.email;
    if (id === this.state.me?.user.id) return this.state.me.user.name;
    const patient = this.state.patientNames[id];
    if (patient) return patient;
    // A patient has no staff directory: the others are their care team.
    if (isPatient(this.state.me?.user.role)) return "Care team";
    // The guest of one of the sender's outside threads: their address
    // (the thread's title, sealed).
    const out = Object.values(this.state.outside).find((o) => o.guest_id === id);
    if (out) return this.state.conversations.find((c) => c.id === out.conversation_id)?.title || "Outside recipient";
    // Nor has a guest: the others write for the clinic.
    if (isGuest(this.state.me?.user.role)) return guestClinic(this.state.clinic, this.state.me) || "The clinic";
    return "Unknown user";
  }

  // namePatient remembers the name of a record's patient account, read from
  // the record (a thread's banner), so the thread names the patient.
  namePatient(userID: string, name: string): void {
    if (!userID || this.state.patientNames[userID] === name) return;
    this.store.set((s) => ({ patientNames: { ...s.patientNames, [userID]: name } }));
  }

  conversationTitle(c: Conversation): string {
    // A guest's thread is titled with their own address: they see the clinic.
    if (isGuest(this.state.me?.user.role)) return guestThreadTitle(guestClinic(this.state.clinic, this.state.me));
    if (c.title) return c.title;
    const me = this.state.me?.user.id;
    const others = c.members.filter((m) => m.user_id !== me).map((m) => this.userName(m.user_id));
    if (isPatient(this.state.me?.user.role)) return "Your care team";
    return others.length ? others.join(", ") : "Just you";
  }
}

// pick keeps of held the threads that are in got.
function pick<T>(held: Record<string, T>, got: Record<string, unknown>): Record<string, T> {
  return Object.fromEntries(Object.entries(held).filter(([k]) => k in got));
}

export function sortConversations(list: Conversation[]): Conversation[] {
  return list.slice().sort((a, b) => {
    if ((b.urgent_unacked > 0 ? 1 : 0) !== (a.urgent_unacked > 0 ? 1 : 0)) return b.urgent_unacked > 0 ? 1 : -1;
    return (b.last_message_at || "").localeCompare(a.last_message_at || "");
  });
}

export function formatDuration(seconds: number): string {
  if (seconds <= 0) return "a while";
  if (seconds < 60) return `${seconds} seconds`;
  const m = Math.round(seconds / 60);
  if (m < 60) return m === 1 ? "1 minute" : `${m} minutes`;
  const h = Math.round(m / 60);
  return h === 1 ? "1 hour" : `${h} hours`;
}
