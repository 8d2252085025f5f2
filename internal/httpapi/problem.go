package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/wardhealth/ward"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[ward.Code]int{
	ward.CodeInvalid:     http.StatusBadRequest,
	ward.CodeTooLarge:    http.StatusRequestEntityTooLarge,
	ward.CodeUnauth:      http.StatusUnauthorized,
	ward.CodeForbidden:   http.StatusForbidden,
	ward.CodeNotFound:    http.StatusNotFound,
	ward.CodeConflict:    http.StatusConflict,
	ward.CodeRateLimited: http.StatusTooManyRequests,
	ward.CodeUnavailable: http.StatusServiceUnavailable,
	ward.CodeInternal:    http.StatusInternalServerError,
	ward.CodeUnsupported: http.StatusUnsupportedMediaType,
	ward.CodeMethod:      http.StatusMethodNotAllowed,
	ward.CodeIntegrity:   http.StatusInternalServerError,

	ward.CodeMFARequired:          http.StatusUnauthorized,
	ward.CodeMFAEnrollment:        http.StatusForbidden,
	ward.CodeDevicePending:        http.StatusForbidden,
	ward.CodeDeviceLocked:         http.StatusForbidden,
	ward.CodeDeviceWiped:          http.StatusForbidden,
	ward.CodeReauthRequired:       http.StatusForbidden,
	ward.CodeAccountExists:        http.StatusConflict,
	ward.CodeInvitationExpired:    http.StatusGone,
	ward.CodeInvitationUsed:       http.StatusGone,
	ward.CodeCodeRequired:         http.StatusUnauthorized,
	ward.CodeLinkExpired:          http.StatusGone,
	ward.CodeLinkUsed:             http.StatusGone,
	ward.CodeMergeAccounts:        http.StatusConflict,
	ward.CodePatientMerged:        http.StatusConflict,
	ward.CodeScheduleGap:          http.StatusUnprocessableEntity,
	ward.CodeScheduleOverlap:      http.StatusUnprocessableEntity,
	ward.CodeNotInRotation:        http.StatusUnprocessableEntity,
	ward.CodeNoOneOnCall:          http.StatusConflict,
	ward.CodeHoldScopeEmpty:       http.StatusBadRequest,
	ward.CodeRetentionTooShort:    http.StatusBadRequest,
	ward.CodeReasonRequired:       http.StatusUnprocessableEntity,
	ward.CodeTimeBoxTooLong:       http.StatusUnprocessableEntity,
	ward.CodeAccessExpired:        http.StatusGone,
	ward.CodeIncidentClosed:       http.StatusConflict,
	ward.CodeDiscoveryRequired:    http.StatusBadRequest,
	ward.CodeDeadlineInPast:       http.StatusBadRequest,
	ward.CodeAssessmentIncomplete: http.StatusUnprocessableEntity,
	ward.CodeBAADates:             http.StatusBadRequest,
	ward.CodeOnCareTeam:           http.StatusConflict,
	ward.CodeUnknownPatient:       http.StatusNotFound,
	ward.CodeSSONotConfigured:     http.StatusNotFound,
	ward.CodeSSOState:             http.StatusBadRequest,
	ward.CodeSSOToken:             http.StatusUnauthorized,
	ward.CodeSSONoRole:            http.StatusForbidden,
	ward.CodeAccountDisabled:      http.StatusForbidden,
}

// Problem is an RFC 9457 problem document with ward's stable code member.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Code      string `json:"code"`
	RequestID string `json:"request_id,omitempty"`
	// Factors, with mfa_required, lists the second factors the account has
	// enrolled ("totp", "webauthn").
	Factors []string `json:"factors,omitempty"`
	// RetryAfter, with rate_limited, is the Retry-After header's whole
	// seconds, for an answer that has no header (a socket's error frame).
	RetryAfter int64 `json:"retry_after,omitempty"`
	// DeviceSecret, with device_pending for a device's first sign-in, is
	// the secret issued to it: keep it, and sign in with it once approved.
	DeviceSecret string `json:"device_secret,omitempty"`
}

// writeProblem answers with err as problem+json. Internal errors are logged
// (without request bodies) and answered with a generic message.
func writeProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p := problemOf(r.Context(), log, err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// problemOf is the problem document for err, for an HTTP answer or a
// WebSocket error frame; the request id comes from ctx. Errors answered
// with a 5xx are logged (never a body), internal ones answered with a
// generic message.
func problemOf(ctx context.Context, log *slog.Logger, err error) Problem {
	code := ward.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	detail := ward.ErrorMessage(err)
	if status >= 500 {
		log.ErrorContext(ctx, "request failed", "code", string(code), "err", err.Error())
		if code == ward.CodeInternal {
			detail = "internal error; the request id identifies it in the server log"
		}
	}
	p := Problem{
		Type:      "urn:ward:error:" + string(code),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    detail,
		Code:      string(code),
		RequestID: requestIDFrom(ctx),
	}
	var we *ward.Error
	if errors.As(err, &we) && code == ward.CodeMFARequired {
		p.Factors = we.Factors
	}
	if we != nil && we.RetryAfter > 0 {
		p.RetryAfter = int64((we.RetryAfter + time.Second - 1) / time.Second)
	}
	if we != nil && code == ward.CodeDevicePending {
		p.DeviceSecret = we.DeviceSecret
	}
	return p
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func asWardError(err error, we **ward.Error) bool { return errors.As(err, we) }
