using System.Globalization;

namespace Engine.NN;

/// <summary>Argument checks shared by the schedules; messages name the schedule and the parameter.</summary>
internal static class ScheduleArguments
{
    public static double NonNegative(double value, string schedule, string parameter) =>
        double.IsFinite(value) && value >= 0 ? value : throw Error(value, schedule, parameter, "finite and non-negative");

    public static double Positive(double value, string schedule, string parameter) =>
        double.IsFinite(value) && value > 0 ? value : throw Error(value, schedule, parameter, "finite and positive");

    public static long Positive(long value, string schedule, string parameter) =>
        value > 0 ? value : throw Error(value, schedule, parameter, "positive");

    public static long NonNegative(long value, string schedule, string parameter) =>
        value >= 0 ? value : throw Error(value, schedule, parameter, "non-negative");

    public static long Step(long step, string schedule) =>
        step >= 0 ? step : throw Error(step, schedule, "step", "non-negative");

    private static ArgumentOutOfRangeException Error(double value, string schedule, string parameter, string rule) =>
        new(parameter, value, $"{schedule}: {parameter} must be {rule}, got {value.ToString("R", CultureInfo.InvariantCulture)}.");
}
