package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// raw sends body (nil: none) with contentType and answers the whole
// response body and its headers: for generated files (PDF, CSV) and uploads.
func (c *Client) raw(ctx context.Context, method, path, contentType string, body io.Reader) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return nil, nil, readProblem(resp)
	}
	b, err := io.ReadAll(resp.Body)
	return b, resp.Header, err
}

// rawJSON sends in as JSON and answers the raw response body and headers:
// for requests whose answer may be a file.
func (c *Client) rawJSON(ctx context.Context, method, path string, in any) ([]byte, http.Header, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, nil, err
	}
	return c.raw(ctx, method, path, "application/json", bytes.NewReader(b))
}
