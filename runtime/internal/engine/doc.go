// Package engine is the machinery behind package runtime and package
// runtime/cacheimpl: the base every cache shares (client, prefix, codec,
// cipher, counters, fail-open), the typed Store with its near cache,
// cache-aside loads and purges, and the topology helpers. runtime exports
// what users call and cacheimpl what generated code calls; nothing else
// imports it, so its exported names carry no promise.
package engine
