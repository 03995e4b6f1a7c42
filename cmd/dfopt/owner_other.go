//go:build !unix

package main

import "os"

func keepOwner(*os.File, os.FileInfo) error { return nil }

func links(os.FileInfo) uint64 { return 1 }
