package client

import (
	"context"
	"io"
	"net/http"
)

// raw sends body (nil: none) with contentType and answers the whole
// response body: for generated files (PDF, CSV) and uploads.
func (c *Client) raw(ctx context.Context, method, path, contentType string, body io.Reader) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return nil, readProblem(resp)
	}
	return io.ReadAll(resp.Body)
}
