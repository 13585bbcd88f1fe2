package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

func TestGet(t *testing.T) {
	dir := newDB(t, "alpha", "one", "bin", "\x00\xff", "empty", "")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"text", []string{"get", dir, "alpha"}, 0, "one\n", ""},
		{"empty-value", []string{"get", dir, "empty"}, 0, "\n", ""},
		{"binary-quoted", []string{"get", dir, "bin"}, 0, "\"\\x00\\xff\"\n", ""},
		{"hex", []string{"get", "--hex", dir, "62696e"}, 0, "00ff\n", ""},
		{"base64", []string{"get", dir, "YWxwaGE=", "--base64"}, 0, "b25l\n", ""},
		{"missing-key", []string{"get", dir, "nope"}, 1, "", "key nope not found"},
		{"no-dir", []string{"get", dir + "-x", "k"}, 1, "", "no such directory"},
		{"not-a-db", []string{"get", t.TempDir(), "k"}, 1, "", "holds no tierkv DB"},
		{"bad-hex", []string{"get", "--hex", dir, "zz"}, 2, "", "KEY is not valid hex"},
		{"both-codecs", []string{"get", "--hex", "--base64", dir, "00"}, 2, "", "exclude each other"},
		{"too-few-args", []string{"get", dir}, 2, "", "usage: tierkv get DIR KEY"},
		{"too-many-args", []string{"get", dir, "a", "b"}, 2, "", "usage:"},
		{"empty-key", []string{"get", dir, ""}, 2, "", "empty"},
		{"unknown-flag", []string{"get", "--nope", dir, "k"}, 2, "", "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			r.expect(t, tc.code, nil, []string{tc.stderr})
			if tc.code == 0 && r.stdout != tc.stdout {
				t.Errorf("stdout %q, want %q", r.stdout, tc.stdout)
			}
		})
	}
}

func TestGetJSON(t *testing.T) {
	dir := newDB(t, "k", "v")
	r := runCLI(t, "", "get", "--json", dir, "k")
	r.expect(t, 0, nil, nil)
	var got map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if got["key"] != "k" || got["value"] != "v" {
		t.Fatalf("got %v", got)
	}
}

// TestReadCommandsCreateNothing checks that read commands on a missing
// directory leave it missing.
func TestReadCommandsCreateNothing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, args := range [][]string{
		{"get", missing, "k"}, {"scan", missing}, {"stats", missing}, {"del", missing, "k"},
		{"put", missing, "k", "v"}, {"checkpoint", missing}, {"compact", missing},
	} {
		t.Run(args[0], func(t *testing.T) {
			runCLI(t, "", args...).expect(t, 1, nil, []string{"no such directory", "hint:"})
			if _, err := os.Stat(missing); !os.IsNotExist(err) {
				t.Fatalf("%s created %s", args[0], missing)
			}
		})
	}
}

func TestPutDel(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	runCLI(t, "", "put", dir, "k", "v").expect(t, 1, nil, []string{"no such directory", "--create"})
	runCLI(t, "", "put", "--create", dir, "k", "v").expect(t, 0, nil, nil)
	runCLI(t, "", "get", dir, "k").expect(t, 0, []string{"v\n"}, nil)
	runCLI(t, "line1\nline2\n", "put", dir, "stdin").expect(t, 0, nil, nil)
	runCLI(t, "x", "put", dir, "dash", "-").expect(t, 0, nil, nil)
	runCLI(t, " 00ff01\n", "put", "--hex", dir, "6869").expect(t, 0, nil, nil)
	runCLI(t, "", "put", "--hex", dir, "zz", "00").expect(t, 2, nil, []string{"not valid hex"})
	runCLI(t, "", "put", dir, "", "v").expect(t, 2, nil, []string{"empty"})
	runCLI(t, "", "put", dir).expect(t, 2, nil, []string{"usage: tierkv put DIR KEY [VALUE|-]"})

	db, err := engine.Open(dir, &engine.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"k": "v", "stdin": "line1\nline2\n", "dash": "x", "hi": "\x00\xff\x01"} {
		if v, err := db.Get([]byte(k)); err != nil || string(v) != want {
			t.Errorf("Get(%q) = %q, %v; want %q", k, v, err, want)
		}
	}
	db.Close()

	runCLI(t, "", "del", dir, "k").expect(t, 0, nil, nil)
	runCLI(t, "", "del", dir, "never-there").expect(t, 0, nil, nil)
	runCLI(t, "", "get", dir, "k").expect(t, 1, nil, []string{"not found"})
	runCLI(t, "", "delete", "--hex", dir, "6869").expect(t, 0, nil, nil)
	runCLI(t, "", "get", dir, "hi").expect(t, 1, nil, []string{"not found"})
}

// TestLocked checks that commands on a DB open elsewhere say who holds it.
func TestLocked(t *testing.T) {
	dir := newDB(t, "k", "v")
	db, err := engine.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, args := range [][]string{{"get", dir, "k"}, {"put", dir, "k", "w"}, {"scan", dir}, {"stats", dir},
		{"checkpoint", dir}, {"compact", dir}, {"verify", dir}, {"bench", dir, "--keys", "10"}} {
		t.Run(args[0], func(t *testing.T) {
			runCLI(t, "", args...).expect(t, 1, nil, []string{"is in use", "held by another open DB in this process", "tierkv inspect"})
		})
	}
}

func TestScan(t *testing.T) {
	dir := newDB(t, "a1", "x", "a2", "y\tz", "b1", "w", "b2", "v", "c", "u")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"all", nil, "a1\tx\na2\t\"y\\tz\"\nb1\tw\nb2\tv\nc\tu\n"},
		{"prefix", []string{"--prefix", "b"}, "b1\tw\nb2\tv\n"},
		{"range", []string{"--start", "a2", "--end", "b2"}, "a2\t\"y\\tz\"\nb1\tw\n"},
		{"prefix-and-range", []string{"--prefix", "a", "--start", "a2"}, "a2\t\"y\\tz\"\n"},
		{"limit", []string{"--limit", "2"}, "a1\tx\na2\t\"y\\tz\"\n"},
		{"reverse", []string{"--reverse", "--limit", "2"}, "c\tu\nb2\tv\n"},
		{"keys-only", []string{"-k", "--prefix", "b"}, "b1\nb2\n"},
		{"flags-after-dir", []string{"--prefix=c", "--keys-only"}, "c\n"},
		{"empty-range", []string{"--start", "b", "--end", "a"}, ""},
		{"hex", []string{"--hex", "--prefix", "63"}, "63\t75\n"},
		{"json", []string{"--json", "--prefix", "c"}, "{\"key\":\"c\",\"value\":\"u\"}\n"},
		{"json-keys", []string{"--json", "-k", "--prefix", "c"}, "{\"key\":\"c\"}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"scan", dir}, tc.args...)
			r := runCLI(t, "", args...)
			r.expect(t, 0, nil, nil)
			if r.stdout != tc.want {
				t.Errorf("stdout %q, want %q", r.stdout, tc.want)
			}
		})
	}
	runCLI(t, "", "scan", dir, "--limit", "-1").expect(t, 2, nil, []string{"--limit must not be negative"})
	runCLI(t, "", "scan", dir, "--limit", "x").expect(t, 2, nil, []string{"invalid value"})
	runCLI(t, "", "scan").expect(t, 2, nil, []string{"usage: tierkv scan DIR"})
}

func TestStats(t *testing.T) {
	dir := numberedDB(t, 300, 100)
	r := runCLI(t, "", "stats", dir)
	r.expect(t, 0, []string{"memory tier:", "WAL:", "disk tier:", "L6:", "durable 3"}, nil)
	r = runCLI(t, "", "stats", "--json", dir)
	r.expect(t, 0, nil, nil)
	var st engine.Stats
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if st.LastSeq != 3 || st.DurableSeq != 3 || st.Disk.DiskUsageBytes == 0 ||
		st.Disk.LifetimeBytesWritten < 300*100 || st.Disk.LifetimePebbleBytesWritten == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestCheckpointCompact(t *testing.T) {
	dir := numberedDB(t, 500, 200)
	r := runCLI(t, "", "checkpoint", dir)
	r.expect(t, 0, []string{"checkpoint done", "WAL:", "disk tier:"}, nil)
	r = runCLI(t, "", "compact", dir, "--start", "key00100", "--end", "key00200", "--json", "--progress")
	r.expect(t, 0, nil, []string{"compact"})
	var got map[string]sizes
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if got["after"].DiskBytes == 0 || got["after"].DurableSeq < 5 {
		t.Errorf("sizes %+v", got)
	}
	runCLI(t, "", "compact", "--hex", dir, "--start", "zz").expect(t, 2, nil, []string{"not valid hex"})
	runCLI(t, "", "compact", dir, "extra").expect(t, 2, nil, []string{"usage:"})
	runCLI(t, "", "get", dir, "key00150").expect(t, 0, []string{strings.Repeat("u", 200)}, nil)
}

func TestUsage(t *testing.T) {
	runCLI(t, "").expect(t, 2, []string{"COMMANDS:"}, []string{"no command given"})
	runCLI(t, "", "frob").expect(t, 2, nil, []string{`unknown command "frob"`})
	runCLI(t, "", "--help").expect(t, 0, []string{"scan", "bench", "verify"}, nil)
	for _, cmd := range []string{"get", "put", "del", "scan", "inspect", "stats", "checkpoint", "compact", "verify", "bench", "sim", "demo"} {
		t.Run(cmd, func(t *testing.T) {
			runCLI(t, "", cmd, "--help").expect(t, 0, []string{"USAGE:", "tierkv " + cmd}, nil)
		})
	}
}
