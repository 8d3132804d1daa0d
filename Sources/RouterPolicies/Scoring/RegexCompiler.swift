/// Turns a `RegexNode` into Pike VM instructions.
struct RegexCompiler {
    var instructions: [RegexInstruction] = []
    var sets: [ByteSet] = []
    private var setIndex: [ByteSet: Int32] = [:]

    private var nextPC: Int32 { Int32(instructions.count) }

    private mutating func set(_ set: ByteSet) -> Int32 {
        if let index = setIndex[set] { return index }
        let index = Int32(sets.count)
        sets.append(set)
        setIndex[set] = index
        return index
    }

    private mutating func range(_ bytes: ClosedRange<UInt8>) {
        var byteSet = ByteSet()
        byteSet.insert(bytes)
        instructions.append(.byteSet(set(byteSet)))
    }

    /// Emits `node`; stops expanding once the program is over the size limit (the caller rejects it).
    mutating func emit(_ node: RegexNode) {
        if instructions.count > RegexProgram.maximumInstructions { return }
        switch node {
        case .empty:
            break
        case .characterClass(let ascii, let nonASCII):
            guard nonASCII else {
                instructions.append(.byteSet(set(ascii)))
                return
            }
            // ascii | [C0-DF][80-BF] | [E0-EF][80-BF]{2} | [F0-F7][80-BF]{3}
            let leads: [(ClosedRange<UInt8>, Int)] = [(0xC0...0xDF, 1), (0xE0...0xEF, 2), (0xF0...0xF7, 3)]
            var exits: [Int] = []
            for (lead, continuations) in leads {
                let split = instructions.count
                instructions.append(.split(0, 0))
                range(lead)
                for _ in 0..<continuations { range(0x80...0xBF) }
                exits.append(instructions.count)
                instructions.append(.jump(0))
                instructions[split] = .split(Int32(split + 1), nextPC)
            }
            instructions.append(.byteSet(set(ascii)))
            for exit in exits { instructions[exit] = .jump(nextPC) }
        case .bytes(let bytes):
            for byte in bytes { range(byte...byte) }
        case .concat(let items):
            for item in items { emit(item) }
        case .alternate(let branches):
            var exits: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index == branches.count - 1 {
                    emit(branch)
                } else {
                    let split = instructions.count
                    instructions.append(.split(0, 0))
                    emit(branch)
                    exits.append(instructions.count)
                    instructions.append(.jump(0))
                    instructions[split] = .split(Int32(split + 1), nextPC)
                }
            }
            for exit in exits { instructions[exit] = .jump(nextPC) }
        case .repetition(let inner, let min, let max):
            if max == nil, min > 0 {
                // x{m,} = x{m-1} x+, with x+ as `L: x; split(L, next)`.
                for _ in 0..<(min - 1) { emit(inner) }
                let loopStart = instructions.count
                emit(inner)
                instructions.append(.split(Int32(loopStart), nextPC + 1))
                return
            }
            for _ in 0..<min { emit(inner) }
            if let max {
                // Nested optionals: (x(x(x)?)?)? — every skip jumps to the common end.
                var skips: [Int] = []
                for _ in min..<max {
                    skips.append(instructions.count)
                    instructions.append(.split(0, 0))
                    emit(inner)
                }
                for skip in skips { instructions[skip] = .split(Int32(skip + 1), nextPC) }
            } else {
                // x*: `L: split(body, end); body: x; jump L`.
                let split = instructions.count
                instructions.append(.split(0, 0))
                emit(inner)
                instructions.append(.jump(Int32(split)))
                instructions[split] = .split(Int32(split + 1), nextPC)
            }
        case .assertion(let assertion):
            instructions.append(.assert(assertion))
        }
    }
}
