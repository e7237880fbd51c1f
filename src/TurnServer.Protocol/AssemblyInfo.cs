// Scratch buffers on the stack are always written before they are read; zeroing them would cost
// more than the hashing they feed.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
