// Two LeakSanitizer behaviours that shape how make test-asan's reports read
// (RELIABILITY.md, "Sanitizers"). Not part of the build; run:
//   swiftc -sanitize=address -Onone scripts/sanitizers/lsan-demo.swift -o /tmp/lsan-demo
//   /tmp/lsan-demo tagged [release]     (-O gives the same)
//   LSAN_OPTIONS=suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=1 /tmp/lsan-demo cycle [weak]

import Glibc

// `tagged`: a multi-payload enum whose cases all hold one heap pointer keeps
// the case number in the pointer's spare high bits. LSan cannot follow such a
// word, so arrays alive at exit behind any case but the first are reported as
// direct leaks; `release` empties the holder first and nothing is reported.
enum Storage { case float([Float]), double([Double]), int64([Int64]), string([String]) }
final class Holder { var values: [Storage] = [] }
let holder = Holder()   // a global: a root LSan scans

// `cycle`: a leaked two-object cycle is reported, unless one of its objects
// has a weak-reference side table and the side table is suppressed (as
// lsan.supp does): the suppressed block then roots the whole cycle, which
// vanishes from the report.
final class Node {
    var other: Node?
    weak var peer: Node?
    var payload = [Int](repeating: 7, count: 100)
}

func leakCycle(weakly: Bool) {
    let a = Node(), b = Node()
    a.other = b
    b.other = a
    if weakly { b.peer = a }
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "tagged":
    let n = Int64(arguments.count)   // not constant-folded into static arrays at -O
    holder.values = [.float([1, Float(n)]), .double([Double(n)]), .int64([n, 2, 3, 4, 5]), .string(["x\(n)"])]
    holder.values.withUnsafeBytes { raw in
        for i in 0..<holder.values.count {
            let word = raw.load(fromByteOffset: i * MemoryLayout<Storage>.stride, as: UInt.self)
            print("case \(i): 0x" + String(word, radix: 16))
        }
    }
    fflush(stdout)   // a leak report ends the process with _exit, which skips stdio's flush
    if arguments.contains("release") { holder.values = [] }
case "cycle":
    leakCycle(weakly: arguments.contains("weak"))
default:
    print("usage: lsan-demo tagged [release] | cycle [weak]")
}
