package httpapi_test

import (
	"bytes"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"os"
	"testing"

	"github.com/wardhealth/ward/internal/imagemeta/imagetest"
)

// TestPhotoUploadStripsMetadata uploads real photos carrying EXIF (with
// GPS tags), XMP, IPTC, comments and text chunks that hold a canary through
// the API: what is stored, once decrypted, has none of it and still decodes.
func TestPhotoUploadStripsMetadata(t *testing.T) {
	a := newAttAPI(t)
	const canary = "CANARY-photo-5d1c"
	for _, tc := range []struct {
		name, ctype string
		content     []byte
		decode      bool
	}{
		{"camera.jpg", "image/jpeg", imagetest.JPEG(canary), true},
		{"screen.png", "image/png", imagetest.PNG(canary), true},
		{"phone.webp", "image/webp", imagetest.WebP(canary), false},
		{"sticker.gif", "image/gif", imagetest.GIF(canary), true},
	} {
		t.Run(tc.ctype, func(t *testing.T) {
			resp, att := a.upload(t, a.srv.URL, a.doc, tc.name, true, bytes.NewReader(tc.content), int64(len(tc.content)))
			if resp.StatusCode != http.StatusCreated || att["content_type"] != tc.ctype {
				t.Fatalf("upload: %d %v", resp.StatusCode, att)
			}
			resp, data, err := a.get(t, a.srv.URL, "/api/v1/attachments/"+att["id"].(string), a.doc)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("download: %d %v", resp.StatusCode, err)
			}
			if att["size"] != float64(len(data)) || len(data) >= len(tc.content) {
				t.Errorf("size %v, stored %d bytes, uploaded %d", att["size"], len(data), len(tc.content))
			}
			for _, s := range []string{canary, "Exif\x00\x00", "II*\x00", "xmpmeta", "8BIM", "GPS", "tEXt", "eXIf", "EXIF"} {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("the stored photo holds %q", s)
				}
			}
			if tc.decode {
				if img, _, err := image.Decode(bytes.NewReader(data)); err != nil || img.Bounds().Dx() != 32 {
					t.Errorf("the stored photo does not decode: %v", err)
				}
			}
			for _, f := range a.blobFiles(t) {
				if bytes.Contains(mustReadFile(t, f), []byte(canary)) {
					t.Errorf("blob %s holds the canary", f)
				}
			}
		})
	}
}

// TestPhotoUploadRefused: content that is not what it claims, or an image
// whose structure cannot be walked (so its metadata cannot be removed), is
// 415 unsupported_media and leaves nothing behind.
func TestPhotoUploadRefused(t *testing.T) {
	a := newAttAPI(t)
	before := len(a.blobFiles(t))
	jpg := imagetest.JPEG("CANARY")
	for name, content := range map[string][]byte{
		"exe.jpg":       append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 600)...),
		"cut.jpg":       jpg[:len(jpg)/3],
		"chunkless.png": append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("junk"), 200)...),
		"broken.webp":   []byte("RIFF\xff\xff\x00\x00WEBPVP8L\x0d\x00\x00\x00"),
	} {
		resp, p := a.upload(t, a.srv.URL, a.doc, name, true, bytes.NewReader(content), int64(len(content)))
		if resp.StatusCode != http.StatusUnsupportedMediaType || p["code"] != "unsupported_media" {
			t.Errorf("%s: %d %v, want 415 unsupported_media", name, resp.StatusCode, p)
		}
	}
	if after := len(a.blobFiles(t)); after != before {
		t.Errorf("blobs: %d, then %d", before, after)
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
