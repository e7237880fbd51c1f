namespace TurnServer.Toml;

/// <summary>One segment of a dotted key, with where it starts so that errors can point at it.</summary>
internal readonly record struct KeyPart(string Name, int Position);
