package orgrows

import (
	"context"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// List reads the rows of p's org (read, e.g. (*store.Tx).BAAs) when p may
// do action, and shows each with view.
func List[R, V any](ctx context.Context, st *store.Store, p *access.Principal, action authz.Action,
	read func(*store.Tx, context.Context, string) ([]R, error), view func(R) V) ([]V, error) {
	if err := p.Can(action); err != nil {
		return nil, err
	}
	var rows []R
	if err := st.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = read(tx, ctx, p.User.OrgID)
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]V, 0, len(rows))
	for _, r := range rows {
		out = append(out, view(r))
	}
	return out, nil
}

// ByID reads the org's row id with get (e.g. (*store.Tx).BAAByID); an id
// that is not a UUID is CodeNotFound, "no such WHAT", as get says of a
// missing one.
func ByID[R any](ctx context.Context, tx *store.Tx, orgID, id, what string,
	get func(*store.Tx, context.Context, string, string) (R, error)) (R, error) {
	if _, err := uuid.Parse(id); err != nil {
		var zero R
		return zero, ward.Errorf(ward.CodeNotFound, "no such %s", what)
	}
	return get(tx, ctx, orgID, id)
}
