// notecheck verifies a checkpoint note with golang.org/x/mod/sumdb/note, an implementation of
// signed notes independent of Sou's: the ledger's Ed25519 signature and a witness's
// cosignature/v1 (C2SP tlog-cosignature). Usage: notecheck LEDGER_VKEY WITNESS_VKEY < note
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// cosigner is a note.Verifier for cosignature/v1: the signature is a timestamp (8 bytes,
// big-endian) then an Ed25519 signature over "cosignature/v1\ntime <t>\n" and the note text.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (c cosigner) Name() string    { return c.name }
func (c cosigner) KeyHash() uint32 { return c.hash }
func (c cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	var signed bytes.Buffer
	signed.WriteString("cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n")
	signed.Write(msg)
	return ed25519.Verify(c.key, signed.Bytes(), sig[8:])
}

func parseCosigner(vkey string) (cosigner, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return cosigner{}, fmt.Errorf("malformed verifier key %q", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x04 {
		return cosigner{}, fmt.Errorf("not a cosignature/v1 key: %q", vkey)
	}
	digest := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	if hex.EncodeToString(digest[:4]) != parts[1] {
		return cosigner{}, fmt.Errorf("the key hash of %q does not match", vkey)
	}
	return cosigner{parts[0], binary.BigEndian.Uint32(digest[:4]), ed25519.PublicKey(raw[1:])}, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: notecheck LEDGER_VKEY WITNESS_VKEY < note")
		os.Exit(2)
	}
	ledger, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	witness, err := parseCosigner(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	n, err := note.Open(text, note.VerifierList(ledger, witness))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, sig := range n.Sigs {
		fmt.Println("verified", sig.Name)
	}
}
