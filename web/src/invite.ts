// Invitation links (/invite/<token>): what the page shows for each refusal,
// and the checks it makes before asking the server (the server checks
// again; its rules are the NIST ones of internal/auth).

export interface InvitationInfo {
  clinic: string;
  expires_at: string;
  needs_email_code: boolean;
}

// minPasswordChars mirrors internal/auth.MinPasswordRunes.
export const minPasswordChars = 12;

const refusals: Record<string, string> = {
  not_found: "This invitation link is not valid. Ask the clinic for a new one.",
  invitation_expired: "This invitation link expired. Ask the clinic to send a new one.",
  invitation_used: "This invitation link was already used or withdrawn. If you made your account, sign in instead.",
  account_exists: "You already have an account. Sign in instead.",
  email_code_required: "Enter the 6-digit code we emailed you, or ask for a new code.",
  rate_limited: "Too many attempts. Wait a few minutes and try again.",
  unavailable: "Email is not available right now. Try again later, or ask the clinic.",
};

// inviteRefusal is the sentence for a problem code, or "" when the server's
// own message should be shown.
export function inviteRefusal(code: string): string {
  return refusals[code] ?? "";
}

// isEmailCode reports whether s (spaces ignored) is six digits.
export function isEmailCode(s: string): boolean {
  return /^\d{6}$/.test(s.replace(/\s+/g, ""));
}

// passwordProblem is what is wrong with a new password before the server
// is asked ("" when nothing): too short, or the two entries differ.
export function passwordProblem(pw: string, again: string): string {
  if ([...pw.normalize("NFKC")].length < minPasswordChars)
    return `Use at least ${minPasswordChars} characters: a few words make a good password.`;
  if (pw !== again) return "The two passwords are not the same.";
  return "";
}
