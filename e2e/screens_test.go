package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"
)

// The screens that came after the first five Shows: attachments, and the
// compliance officer's audit viewer and the admins' dashboard.

// testPNG is a small generated image (a red cross on white).
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 48; x++ {
			c := color.RGBA{255, 255, 255, 255}
			if (x >= 20 && x < 28) || (y >= 12 && y < 20) {
				c = color.RGBA{200, 20, 30, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// attachFile puts a file into the composer's file input, as choosing it in
// the file picker would.
func (tb *tab) attachFile(name, mime string, content []byte) {
	tb.t.Helper()
	eval[bool](tb, fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], %q, {type: %q}));
		const input = document.querySelector('#composer-file');
		input.files = dt.files;
		input.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, base64.StdEncoding.EncodeToString(content), name, mime))
}

// A uploads a PNG (with a progress bar) and sends it with a message; a file
// type ward refuses gets a plain explanation; B sees the image preview and
// a download link.
func TestAttachmentImagePreview(t *testing.T) {
	skipWithoutBrowser(t)
	admin := apiLogin(t, demoLoginFor(t, "owner").Email, demoLoginFor(t, "owner").Password)
	pa := newPerson(t, admin, "Avery Attach", "clinician")
	pb := newPerson(t, admin, "Blake Attach", "clinician")
	a := newTab(t, "A", false)
	b := newTab(t, "B", false)
	a.signIn(pa.Email, pa.Password)
	b.signIn(pb.Email, pb.Password)
	path := a.startDirect(pb)

	// A refused type: the upload says why, and nothing is sent.
	a.attachFile("run.exe", "application/octet-stream", []byte("MZ\x90\x00 not a picture"))
	a.waitJS(10*time.Second, "the refused upload explains itself",
		`[...document.querySelectorAll('#uploads li[data-state=failed] .error')].some(e => e.textContent.includes('accepts images'))`)
	a.shot("6-a-upload-refused")
	a.click(`#uploads li[data-state=failed] button`)

	pngBytes := testPNG(t)
	a.attachFile("wound-photo.png", "image/png", pngBytes)
	a.waitJS(10*time.Second, "the upload finishes",
		`!!document.querySelector('#uploads li[data-state=done] progress[value="100"]')`)
	a.shot("6-a-upload-ready")
	const body = "Wound photo from this morning, bed 12."
	a.send(body, false)
	a.waitJS(10*time.Second, "A's message shows its attachment",
		`[...document.querySelectorAll('.msg.mine')].some(m => m.querySelector('.body')?.textContent === `+fmt.Sprintf("%q", body)+
			` && m.querySelector('.attachment .att-name')?.textContent === 'wound-photo.png' && m.querySelector('.status')?.dataset.state !== 'sending')`)

	// B sees it live: the preview loads (the image decoded), with its name,
	// type, size and a download link without ?inline.
	b.click(fmt.Sprintf(`a.conv[href=%q]`, path))
	b.waitJS(10*time.Second, "B sees the image preview",
		`[...document.querySelectorAll('.msg img.preview')].some(i => i.complete && i.naturalWidth === 48 && i.naturalHeight === 32)`)
	meta := b.text(`.msg .attachment .att-meta`)
	if !strings.Contains(meta, "wound-photo.png") || !strings.Contains(meta, "PNG image") || !strings.Contains(meta, fmt.Sprintf("%d B", len(pngBytes))) {
		t.Errorf("B's attachment line: %q", meta)
	}
	href := eval[string](b, `document.querySelector('.msg .attachment a.att-download').getAttribute('href')`)
	if !strings.HasPrefix(href, "/api/v1/attachments/") || strings.Contains(href, "inline") {
		t.Errorf("download link %q", href)
	}
	// The download link answers the same bytes, as an attachment.
	got := eval[string](b, `fetch(document.querySelector('.msg .attachment a.att-download').href).then(async r =>
		r.headers.get('content-disposition').split(';')[0] + ' ' + (await r.arrayBuffer()).byteLength)`)
	if want := fmt.Sprintf("attachment %d", len(pngBytes)); got != want {
		t.Errorf("download: %q, want %q", got, want)
	}
	b.shot("6-b-image-preview")
}
