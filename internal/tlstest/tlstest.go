// Package tlstest makes the certificates a test needs to run a TLS
// server and a client that trusts it: a CA, a server certificate for
// 127.0.0.1 and localhost, and a client certificate, all signed by the
// CA and written as PEM files.
package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Files are the PEM files of a CA, a server and a client.
type Files struct {
	Dir                   string
	CACert                string // ca.pem
	ServerCert, ServerKey string // server-cert.pem, server-key.pem
	ClientCert, ClientKey string // cert.pem, key.pem: buildctl's --tlsdir names
}

type signer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// Write makes a CA, a server certificate (for 127.0.0.1, ::1 and
// localhost) and a client certificate in dir.
func Write(dir string) (*Files, error) {
	f := &Files{
		Dir: dir, CACert: filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server-cert.pem"), ServerKey: filepath.Join(dir, "server-key.pem"),
		ClientCert: filepath.Join(dir, "cert.pem"), ClientKey: filepath.Join(dir, "key.pem"),
	}
	ca, err := issue(nil, &x509.Certificate{
		Subject: pkix.Name{CommonName: "dfopt test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, f.CACert, "")
	if err != nil {
		return nil, err
	}
	if _, err := issue(ca, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, f.ServerCert, f.ServerKey); err != nil {
		return nil, err
	}
	if _, err := issue(ca, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "dfopt test client"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, f.ClientCert, f.ClientKey); err != nil {
		return nil, err
	}
	return f, nil
}

// issue signs tmpl with parent (itself when parent is nil) and writes the
// certificate and, when keyFile is set, its key.
func issue(parent *signer, tmpl *x509.Certificate, certFile, keyFile string) (*signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	issuer, signKey := tmpl, key
	if parent != nil {
		issuer, signKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, signKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
		return nil, err
	}
	if keyFile != "" {
		kder, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		if err := writePEM(keyFile, "PRIVATE KEY", kder); err != nil {
			return nil, err
		}
	}
	return &signer{cert: cert, key: key}, nil
}

func writePEM(path, kind string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
}

// ServerConfig is a TLS configuration for the server that asks every
// client for a certificate signed by the CA.
func (f *Files) ServerConfig() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.ServerCert, f.ServerKey)
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(f.CACert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}, nil
}
