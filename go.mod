module github.com/bundlekit/bundlekit

go 1.26
