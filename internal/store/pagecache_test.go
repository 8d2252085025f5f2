package store_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/pagecache"
)

// Opening a SQLite store puts the page cache wrapper in place (before
// SQLite initialises; nothing in this test binary opens SQLite otherwise).
func TestSQLiteStoreUsesThePageCacheWrapper(t *testing.T) {
	s, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir(), Now: clocktest.New().Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !pagecache.Installed() {
		t.Fatal("the store's SQLite runs on the default page cache")
	}
}
