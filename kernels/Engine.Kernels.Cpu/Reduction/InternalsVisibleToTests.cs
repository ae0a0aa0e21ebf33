using System.Runtime.CompilerServices;

// The tests check the private softmax exp against Math.Exp directly.
[assembly: InternalsVisibleTo("Engine.Tests")]
