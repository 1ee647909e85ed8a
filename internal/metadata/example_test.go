package metadata_test

import (
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/metadata"
)

// Load reads a destination that RHQ deployed three times.
func ExampleLoad() {
	s, err := metadata.Load(os.DirFS("testdata/rhq/dest"), "/opt/myapp")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("managed:", s.Managed)
	fmt.Println("current:", s.Current.ID, s.Current.BundleName, s.Current.BundleVersion, s.Current.Compliance)
	fmt.Println("deployments:", s.IDs)
	for id := s.Current.ID; ; {
		prev, ok, err := s.Previous(id)
		if err != nil {
			log.Fatal(err)
		}
		if !ok {
			break
		}
		fmt.Printf("%d replaced %d (%s, %s)\n", id, prev.ID, prev.BundleVersion, prev.Compliance)
		id = prev.ID
	}
	// Output:
	// managed: true
	// current: 2 myapp 2.0 full
	// deployments: [-3 1 2]
	// 2 replaced 1 (1.1, filesAndDirectories)
	// 1 replaced -3 (1.0, full)
}

// Record plans the files that make deployment 3 current; the engine writes
// them, in this order, through package fileops.
func ExampleRecord() {
	s, err := metadata.Load(os.DirFS("testdata/rhq/dest"), "/opt/myapp")
	if err != nil {
		log.Fatal(err)
	}
	p := metadata.Properties{ID: 3, BundleName: "myapp", BundleVersion: "3.0", Compliance: metadata.Full}
	h := metadata.Hashes{"bin/start.sh": "3f786850e387550fdab836ed7e6dc881"}
	writes, err := metadata.Record(s, p, h, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range writes {
		fmt.Println(w.Name)
	}
	fmt.Printf("%s", writes[0].Data)
	// Output:
	// .rhqdeployments/3/deployment.properties
	// .rhqdeployments/3/file-hashcodes.dat
	// .rhqdeployments/3/previous-deployment.properties
	// .rhqdeployments/current-deployment.properties
	// #This file is auto-generated - DO NOT MODIFY!!!
	// #Tue Jan 02 03:04:05 UTC 2024
	// bundle.destination.compliance=full
	// bundle.name=myapp
	// bundle.version=3.0
	// deployment.id=3
}

func ExampleBackupPath() {
	for _, key := range []string{"conf/app.conf", "/etc/hosts", "c:/Windows/hosts"} {
		p, err := metadata.BackupPath(5, key)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p)
	}
	// Output:
	// .rhqdeployments/5/backup/conf/app.conf
	// .rhqdeployments/5/ext-backup/etc/hosts
	// .rhqdeployments/5/ext-backup/_C/Windows/hosts
}

func ExampleExternalKeyWindows() {
	for _, rel := range []string{"_C/Windows/hosts", "etc/hosts"} {
		key, ok := metadata.ExternalKeyWindows(rel)
		fmt.Printf("%q %v\n", key, ok)
	}
	// Output:
	// "C:/Windows/hosts" true
	// "" false
}

func ExampleHashes_WithDirectories() {
	h := metadata.Hashes{"a/b/c.txt": "0cc175b9c0f1b6a831c399e269772661", "/opt/x": "92eb5ffee6ae2fec3ad71c777531578f"}
	data, err := metadata.EncodeHashes(h.WithDirectories())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(len(h.WithDirectories()), " entries in memory, written:\n", string(data))
	// Output:
	// 4 entries in memory, written:
	// /opt/x	92eb5ffee6ae2fec3ad71c777531578f
	// a/b/c.txt	0cc175b9c0f1b6a831c399e269772661
}

func ExampleDecodeProperties() {
	legacy := "deployment.id=7\nbundle.name=app\nbundle.version=1.0\nmanage.root.dir=false\n"
	p, err := metadata.DecodeProperties(strings.NewReader(legacy))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.ID, p.Compliance, p.ManageRootDir())

	_, err = metadata.DecodeProperties(strings.NewReader("deployment.id=seven\n"))
	fmt.Println(err)
	// Output:
	// 7 full true
	// Deployment properties are invalid: Invalid deployment ID: seven
}
