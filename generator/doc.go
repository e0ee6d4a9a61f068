// Package generator turns //cache: annotations on Go structs into typed
// Redis caches delegating to the cachegen runtime. Command cachegen is its
// user interface; the annotation grammar, the key scheme and the generated
// API are documented in the README.
//
// [Generate] loads the packages a [Config] names (go/packages, with each
// package's generated file blanked through an overlay, so stale output
// that no longer compiles never blocks regeneration), parses their
// annotations into a model, emits each package's file (jennifer, gofmt'd)
// and returns the [File]s, or every problem at once as an [ErrorList] of
// file:line:col errors, in which case nothing should be written. [Write]
// writes the stale files atomically. [Check] applies the same rules to one
// package that a tool (a go/analysis analyzer) loaded itself.
//
// Inside, data flows one way: load.go → parse.go (annotation.go,
// keyfield.go, names.go, patterns.go, and the decisions of clone.go,
// fast.go and fingerprint.go, recorded on the model of model.go) → the
// emit*.go files, which only print the model.
package generator
