using System.Runtime.InteropServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Polynomial coefficient tables of the vector transcendentals, one set per element type, lowest degree
/// first. Fitted with mpmath <c>chebyfit</c> (near-minimax Chebyshev fits at 40 digits) on the stated
/// intervals; the float sets are shorter because float needs ~1e-8, double ~1e-17.
/// </summary>
internal static class MathCoefficients<T> where T : unmanaged
{
    /// <summary>(e^r − 1 − r)/r² on |r| ≤ ln2/2.</summary>
    public static ReadOnlySpan<T> ExpM1Tail => typeof(T) == typeof(float)
        ? Cast([0.5f, 0.16666577756404877f, 0.041666556149721146f, 0.008363173343241215f, 0.0013926175888627768f])
        : Cast([0.5, 0.1666666666666667, 0.04166666666666667, 0.008333333333326141, 0.0013888888888883752,
            0.00019841269874800493, 2.4801587325533363e-05, 2.7557255425746435e-06, 2.7557273661348637e-07,
            2.510520637395701e-08, 2.0914679376583935e-09]);

    /// <summary>atanh(s)/s as a polynomial in u = s² on [0, ((√2−1)/(√2+1))²].</summary>
    public static ReadOnlySpan<T> AtanhOverS => typeof(T) == typeof(float)
        ? Cast([1.0f, 0.3333340883255005f, 0.19987425208091736f, 0.14962194859981537f])
        : Cast([1.0, 0.3333333333333333, 0.20000000000003748, 0.14285714284409565, 0.1111111133846477,
            0.09090886869008152, 0.0769358046306704, 0.06624381541730058, 0.06631051837010904]);

    /// <summary>(tanh(x) − x)/x³ as a polynomial in u = x² on [0, 0.55²].</summary>
    public static ReadOnlySpan<T> TanhTail => typeof(T) == typeof(float)
        ? Cast([-0.3333333134651184f, 0.13333113491535187f, -0.05390942841768265f, 0.021309388801455498f, -0.00661022774875164f])
        : Cast([-0.3333333333333333, 0.1333333333333331, -0.05396825396822037, 0.021869488534073906,
            -0.0088632354631468, 0.0035921267699626346, -0.001455819097151351, 0.0005899052969492733,
            -0.0002384727248015252, 9.455133052924858e-05, -3.372080112046316e-05, 7.874274345344419e-06]);

    /// <summary>
    /// Normal upper tail Q(t) = Φ(−t) = s·exp(−t²/2 + P(s − c)) with s = 1/(1 + t/√8): the coefficients of P
    /// in v = s − c, fitted over t in [0, 14.6] (float; Q underflows beyond) or [0, 38.8] (double).
    /// </summary>
    public static ReadOnlySpan<T> NormalTail => typeof(T) == typeof(float)
        ? Cast([-1.2547385692596436f, 1.3683340549468994f, 0.09336564689874649f, -0.40707916021347046f,
            -0.03789704293012619f, 0.29585912823677063f, -0.04936983808875084f, -0.24735210835933685f,
            0.1425696462392807f, 0.14754372835159302f, -0.15028217434883118f])
        : Cast([-1.3190351330571588, 1.3568315189188924, 0.15015641989216516, -0.3932969238596611,
            -0.10845926365076139, 0.29804097490341547, 0.04105939247482232, -0.2967056268108094,
            0.06093277487486397, 0.29238142369071396, -0.20484288200596978, -0.2212725407853388,
            0.3566927846333052, 0.03619192498831464, -0.4259540753168231, 0.24319484580540374,
            0.3028704238686866, -0.4849989601824143, 0.02693441767991608, 0.5089466797404971,
            -0.3742942386955773, -0.29150014018264114, 0.44821027157561477, 0.061908957732681485,
            -0.21080178175177455]);

    /// <summary>
    /// GELU's central range |x| ≤ <see cref="GeluCentralLimit"/> (float only; empty for double, which always
    /// takes the tail formula): log(2·Q(t)·e^(t²/2)) = t·P(t − c), c = <see cref="GeluCentralCentre"/>, so that
    /// Q(t) = ½·exp(−t²/2 + t·P(t − c)). Weighted least-squares fit (weight t, 800 Chebyshev nodes, mpmath
    /// reference) with the coefficients rounded to float one at a time and the rest refitted; absolute error
    /// of t·P 2.7e-8 with these float coefficients, 1.4e-7 evaluated in float.
    /// </summary>
    public static ReadOnlySpan<T> GeluCentral => typeof(T) == typeof(float)
        ? Cast([-0.487823367f, 0.0676544905f, -0.0102279298f, 0.00149763154f, -0.000200850744f, 2.29649449e-05f,
            -1.88304557e-06f, -3.19029581e-09f, 5.78969725e-08f, -1.7224103e-08f, 1.93818073e-09f])
        : Cast(ReadOnlySpan<double>.Empty);

    /// <summary>
    /// (e^r − 1 − r)/r² on |r| ≤ 0.42, for GELU's central range, whose reduction takes n from an estimate of
    /// the exponent (so |r| ≤ ln2/2 + 0.055); float only. Relative error of e^r 5e-10 with these coefficients.
    /// </summary>
    public static ReadOnlySpan<T> GeluExpM1Tail => typeof(T) == typeof(float)
        ? Cast([0.5f, 0.166666612f, 0.0416662171f, 0.00833417755f, 0.00139573787f, 0.000195771674f])
        : Cast(ReadOnlySpan<double>.Empty);

    /// <summary>True where <see cref="GeluCentral"/> exists (float).</summary>
    public static bool HasGeluCentral => typeof(T) == typeof(float);

    /// <summary>The centre c of <see cref="GeluCentral"/>'s variable t − c (exact in float).</summary>
    public static double GeluCentralCentre => 2.75;

    /// <summary>End of <see cref="GeluCentral"/>'s fitted range: Q(5.5) = 1.9e-8, so positive x beyond it take Q(5.5).</summary>
    public static double GeluCentralLimit => 5.5;

    /// <summary>The centre c of <see cref="NormalTail"/>'s variable v = s − c (exactly representable in T).</summary>
    public static double NormalTailCentre => typeof(T) == typeof(float) ? 0.5811440944671631 : 0.5339723035447671;

    /// <summary>End of <see cref="NormalTail"/>'s fitted range; beyond it Q is taken as 0 (x·Q underflows there).</summary>
    public static double NormalTailLimit => typeof(T) == typeof(float) ? 14.6 : 38.8;

    private static ReadOnlySpan<T> Cast(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, T>(values);
    private static ReadOnlySpan<T> Cast(ReadOnlySpan<double> values) => MemoryMarshal.Cast<double, T>(values);
}
