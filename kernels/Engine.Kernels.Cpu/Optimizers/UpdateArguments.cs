namespace Engine.Kernels.Cpu;

/// <summary>
/// Hyperparameters of one SGD step, PyTorch's formulas: g ← g + λ·p; with momentum μ the buffer b ← g on
/// the first step, else b ← μ·b + (1 − τ)·g; Nesterov uses g ← g + μ·b, otherwise g ← b; then p ← p − lr·g.
/// </summary>
/// <param name="LearningRate">lr.</param>
/// <param name="Momentum">μ (0: no buffer is read or written).</param>
/// <param name="Dampening">τ, applied from the second step on.</param>
/// <param name="WeightDecay">λ, the L2 penalty added to the gradient.</param>
/// <param name="Nesterov">Nesterov momentum.</param>
/// <param name="FirstStep">True on the step that creates the momentum buffer (it is then only written).</param>
public readonly record struct SgdUpdate(double LearningRate, double Momentum, double Dampening, double WeightDecay, bool Nesterov, bool FirstStep);

/// <summary>
/// Hyperparameters of one Adam/AdamW step, PyTorch's formulas: (AdamW) p ← p·(1 − lr·λ) or (Adam) g ← g + λ·p;
/// m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; (amsgrad) v̂ ← max(v̂, v) is used for v;
/// p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε).
/// </summary>
/// <param name="LearningRate">lr.</param>
/// <param name="Beta1">β1, decay of the first moment.</param>
/// <param name="Beta2">β2, decay of the second moment.</param>
/// <param name="Epsilon">ε, added to the bias-corrected root of the second moment.</param>
/// <param name="WeightDecay">λ.</param>
/// <param name="Decoupled">True for AdamW's decoupled decay, false for an L2 term in the gradient.</param>
/// <param name="Step">t, the 1-based step number used for bias correction.</param>
public readonly record struct AdamUpdate(double LearningRate, double Beta1, double Beta2, double Epsilon, double WeightDecay, bool Decoupled, long Step);

/// <summary>
/// Hyperparameters of one RMSprop step, PyTorch's formulas: g ← g + λ·p; v ← α·v + (1 − α)·g²; centered:
/// ḡ ← α·ḡ + (1 − α)·g and d = √(v − ḡ²) + ε, else d = √v + ε; with momentum μ: b ← μ·b + g/d, p ← p − lr·b;
/// otherwise p ← p − lr·g/d.
/// </summary>
/// <param name="LearningRate">lr.</param>
/// <param name="Alpha">α (Keras' rho), decay of the mean square.</param>
/// <param name="Epsilon">ε.</param>
/// <param name="WeightDecay">λ.</param>
/// <param name="Momentum">μ (0: no buffer).</param>
/// <param name="Centered">Divide by the estimated variance instead of the mean square.</param>
public readonly record struct RmsPropUpdate(double LearningRate, double Alpha, double Epsilon, double WeightDecay, double Momentum, bool Centered);

/// <summary>
/// Hyperparameters of one Adagrad step, PyTorch's formulas: g ← g + λ·p; s ← s + g²; p ← p − lr·g/(√s + ε),
/// where lr is the already-decayed rate lr₀ / (1 + (t − 1)·lr_decay).
/// </summary>
/// <param name="LearningRate">The decayed learning rate of this step.</param>
/// <param name="Epsilon">ε.</param>
/// <param name="WeightDecay">λ.</param>
public readonly record struct AdagradUpdate(double LearningRate, double Epsilon, double WeightDecay);
