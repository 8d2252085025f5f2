import { canAudit, canMessage, canSeePatients, canSeeStats, canWriteOutside, isAdmin } from "../api";
import { useStore } from "../store";
import { useWard } from "./context";
import { Link } from "./common";
import { Account } from "./Account";
import { Enroll } from "./Enroll";
import { Invite } from "./Invite";
import { NewConversation } from "./NewConversation";
import { NewPatient, PatientPage, PatientsHome } from "./Patients";
import { Shell } from "./Shell";
import { SignIn } from "./SignIn";
import { Thread } from "./Thread";
import { Wiped } from "./Wiped";
import { isPatient, patientScreen } from "../portal";
import { TeamInbox, WriteToCareTeam } from "./Inbox";
import { guestScreen, isGuest } from "../outside";
import { OutsideLink, WriteOutside } from "./Outside";
import { canSeeOnCall } from "../oncall";
import { canReadHolds, canSeeRetention } from "../holds";
import { canManageBAAs, canManageIncidents } from "../incidents";
import { canAccount, canSeeConformance } from "../accounting";
import { lazy } from "./lazy";

// The staff and oversight screens, fetched when first shown (staff.ts).
const staff = () => import("./staff");
const AdminDashboard = lazy(() => staff().then((m) => m.AdminDashboard));
const AdminDevices = lazy(() => staff().then((m) => m.AdminDevices));
const AdminPolicy = lazy(() => staff().then((m) => m.AdminPolicy));
const AdminUsers = lazy(() => staff().then((m) => m.AdminUsers));
const AdminSSO = lazy(() => staff().then((m) => m.AdminSSO));
const AdminTeams = lazy(() => staff().then((m) => m.AdminTeams));
const AuditViewer = lazy(() => staff().then((m) => m.AuditViewer));
const Dashboard = lazy(() => staff().then((m) => m.Dashboard));
const AdminOnCall = lazy(() => staff().then((m) => m.AdminOnCall));
const OnCallNow = lazy(() => staff().then((m) => m.OnCallNow));
const LegalHolds = lazy(() => staff().then((m) => m.LegalHolds));
const Retention = lazy(() => staff().then((m) => m.Retention));
const IncidentList = lazy(() => staff().then((m) => m.IncidentList));
const IncidentView = lazy(() => staff().then((m) => m.IncidentView));
const BAARegistry = lazy(() => staff().then((m) => m.BAARegistry));
const Alerts = lazy(() => staff().then((m) => m.Alerts));
const Accounting = lazy(() => staff().then((m) => m.Accounting));
const Conformance = lazy(() => staff().then((m) => m.Conformance));
const ComplianceConsole = lazy(() => staff().then((m) => m.ComplianceConsole));
const ReviewTranscript = lazy(() => staff().then((m) => m.ReviewTranscript));
const BreakGlassView = lazy(() => staff().then((m) => m.BreakGlassView));

export function App() {
  const w = useWard();
  const st = useStore(w.store);
  switch (st.phase) {
    case "loading":
      return (
        <main class="auth" id="main">
          <p class="muted" role="status">
            Loading ward…
          </p>
        </main>
      );
    case "wiped":
      return <Wiped status={st.wipe} />;
    case "signin":
      if (st.route.name === "outside") return <OutsideLink token={st.route.token} />;
      return st.route.name === "invite" ? <Invite token={st.route.token} /> : <SignIn />;
    case "enroll":
      return <Enroll />;
  }
  const r = st.route;
  if (isPatient(st.me?.user.role)) return <PatientPortal />;
  if (isGuest(st.me?.user.role)) return r.name === "outside" ? <OutsideLink token={r.token} /> : <GuestPortal />;
  const admin = isAdmin(st.me?.user.role);
  const messaging = canMessage(st.me?.user.role);
  const role = st.me?.user.role;
  let body;
  switch (r.name) {
    case "home":
    case "conversation":
    case "new":
      if (!messaging) {
        body = admin ? <AdminUsers /> : canAudit(role) ? <AuditViewer /> : <NotAllowed />;
        break;
      }
      if (r.name === "conversation") body = <Thread id={r.id} />;
      else if (r.name === "new") body = <NewConversation />;
      else
        body = (
        <div class="pad empty-main">
          <h1 class="sr-only">Messages</h1>
          <p class="muted">Choose a conversation, or start a new one.</p>
        </div>
      );
      break;
    case "account":
      body = <Account />;
      break;
    case "outside-new":
      body = canWriteOutside(role) ? <WriteOutside /> : <NotAllowed what="clinicians and staff" />;
      break;
    case "outside":
      body = (
        <div class="pad">
          <h1>Secure message link</h1>
          <p>You are signed in to ward. This link is for the person it was emailed to: open it signed out, or in another browser.</p>
        </div>
      );
      break;
    case "inbox":
      body = canSeePatients(role) ? <TeamInbox /> : <NotAllowed what="clinicians and staff" />;
      break;
    case "patients":
      body = canSeePatients(role) ? <PatientsHome /> : <NotAllowed what="clinicians and staff" />;
      break;
    case "patient-new":
      body = canSeePatients(role) ? <NewPatient /> : <NotAllowed what="clinicians and staff" />;
      break;
    case "patient":
      body = canSeePatients(role) ? <PatientPage id={r.id} /> : <NotAllowed what="clinicians and staff" />;
      break;
    case "admin-users":
      body = admin ? <AdminUsers /> : <NotAllowed />;
      break;
    case "admin-devices":
      body = admin ? <AdminDevices /> : <NotAllowed />;
      break;
    case "admin-teams":
      body = admin ? <AdminTeams /> : <NotAllowed />;
      break;
    case "admin-oncall":
      body = admin ? <AdminOnCall /> : <NotAllowed />;
      break;
    case "oncall":
      body = canSeeOnCall(role) ? <OnCallNow /> : <NotAllowed what="the workforce" />;
      break;
    case "admin-policy":
      body = admin ? <AdminPolicy /> : <NotAllowed />;
      break;
    case "admin-sso":
      body = admin ? <AdminSSO /> : <NotAllowed />;
      break;
    case "admin-dashboard":
      body = admin ? (
        <AdminDashboard />
      ) : canSeeStats(role) ? (
        <div class="pad stack">
          <h1>Dashboard</h1>
          <Dashboard />
        </div>
      ) : (
        <NotAllowed />
      );
      break;
    case "invite":
      body = (
        <div class="pad">
          <h1>Invitation</h1>
          <p>You are signed in already. To accept an invitation for another account, sign out first.</p>
        </div>
      );
      break;
    case "audit":
      body = canAudit(role) ? <AuditViewer /> : <NotAllowed what="compliance officers" />;
      break;
    case "incidents":
      body = canManageIncidents(role) ? <IncidentList /> : <NotAllowed what="compliance officers" />;
      break;
    case "incident":
      body = canManageIncidents(role) ? <IncidentView id={r.id} /> : <NotAllowed what="compliance officers" />;
      break;
    case "baas":
      body = canManageBAAs(role) ? <BAARegistry /> : <NotAllowed what="owners, admins and compliance officers" />;
      break;
    case "holds":
      body = canReadHolds(role) ? <LegalHolds /> : <NotAllowed what="compliance officers and owners" />;
      break;
    case "retention":
      body = canSeeRetention(role) ? <Retention /> : <NotAllowed what="owners, admins and compliance officers" />;
      break;
    case "compliance":
      body = canAudit(role) || role === "owner" ? <ComplianceConsole /> : <NotAllowed what="compliance officers and the org owner" />;
      break;
    case "alerts":
      body = canAudit(role) ? <Alerts /> : <NotAllowed what="compliance officers" />;
      break;
    case "accounting":
      body = canAccount(role) ? <Accounting /> : <NotAllowed what="compliance officers" />;
      break;
    case "conformance":
      body = canSeeConformance(role) ? <Conformance /> : <NotAllowed what="owners, admins and compliance officers" />;
      break;
    case "review":
      body = canAudit(role) ? <ReviewTranscript id={r.id} /> : <NotAllowed what="compliance officers" />;
      break;
    case "breakglass":
      body = role === "clinician" ? <BreakGlassView id={r.id} /> : <NotAllowed what="clinicians" />;
      break;
    default:
      body = (
        <div class="pad">
          <h1>Page not found</h1>
          <Link href="/">Back to conversations</Link>
        </div>
      );
  }
  return <Shell listFirst={r.name === "home"}>{body}</Shell>;
}

function NotAllowed(props: { what?: string }) {
  const what = props.what ?? "administrators";
  return (
    <div class="pad">
      <h1>For {what} only</h1>
      <p>Your role does not include this.</p>
    </div>
  );
}

// PatientPortal is the app for the patient role: their conversations, their
// account, nothing of the staff screens (src/portal.ts).
function PatientPortal() {
  const st = useStore(useWard().store);
  const r = st.route;
  let body;
  switch (patientScreen(r)) {
    case "write":
      body = <WriteToCareTeam />;
      break;
    case "conversation":
      body = r.name === "conversation" ? <Thread id={r.id} /> : null;
      break;
    case "account":
      body = <Account />;
      break;
    default:
      body = (
        <div class="pad">
          <h1>Page not found</h1>
          <Link href="/">Back to your messages</Link>
        </div>
      );
  }
  return <Shell listFirst={r.name === "home"}>{body}</Shell>;
}

// GuestPortal is the app for a guest (a secure message's outside address,
// src/outside.ts): their thread(s), read and reply, phone-first; nothing
// else.
function GuestPortal() {
  const st = useStore(useWard().store);
  const r = st.route;
  let body;
  switch (guestScreen(r)) {
    case "home":
      body = (
        <div class="pad empty-main">
          <h1 class="sr-only">Messages</h1>
          <p class="muted">Choose the conversation to read and reply.</p>
        </div>
      );
      break;
    case "conversation":
      body = r.name === "conversation" ? <Thread id={r.id} /> : null;
      break;
    default:
      body = (
        <div class="pad">
          <h1>Page not found</h1>
          <Link href="/">Back to your messages</Link>
        </div>
      );
  }
  return <Shell listFirst={r.name === "home"}>{body}</Shell>;
}
