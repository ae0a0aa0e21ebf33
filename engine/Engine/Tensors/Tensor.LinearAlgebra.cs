using Engine.Autodiff;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product with NumPy/PyTorch semantics: [..., m, k] · [..., k, n] with the batch axes
    /// broadcast; a 1-D left operand is a row vector and a 1-D right operand a column vector (that axis
    /// is removed from the result). Transposed and sliced operands are used in place, without copies.
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        CheckPair(this, other, "MatMul");
        RequireFloating(DType, "MatMul");
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul: operands must have at least one axis, got {Shape} and {other.Shape}.");
        var a = Rank == 1 ? Unsqueeze(0) : this;
        var b = other.Rank == 1 ? other.Unsqueeze(-1) : other;
        int m = a.Shape[-2], k = a.Shape[-1], n = b.Shape[-1];
        if (b.Shape[-2] != k)
            throw new ArgumentException($"MatMul: inner dimensions differ, {Shape} · {other.Shape} ({k} vs {b.Shape[-2]}).");
        var batch = Shape.Broadcast(new Shape(a.Shape.Take(a.Rank - 2).ToArray()), new Shape(b.Shape.Take(b.Rank - 2).ToArray()), "MatMul");
        var c = Empty(new Shape([.. batch, m, n]), DType, Device);
        var aView = a.ExpandView([.. batch, m, k]);
        var bView = b.ExpandView([.. batch, k, n]);
        Backend.MatMul(aView, bView, c);
        // ∂/∂a = g·bᵀ and ∂/∂b = aᵀ·g, each summed over the batch axes its operand was broadcast on.
        Autograd.Record(c, "MatMul", a, b, static (n, g) =>
        {
            Tensor a = n.Input(0), b = n.Input(1);
            return
            [
                n.NeedsGrad(0) ? g.MatMul(b.T).SumTo(a.Shape) : null,
                n.NeedsGrad(1) ? a.T.MatMul(g).SumTo(b.Shape) : null,
            ];
        });
        if (Rank == 1 && other.Rank == 1) return c.Reshape();
        if (Rank == 1) return c.Squeeze(-2);
        if (other.Rank == 1) return c.Squeeze(-1);
        return c;
    }
}
