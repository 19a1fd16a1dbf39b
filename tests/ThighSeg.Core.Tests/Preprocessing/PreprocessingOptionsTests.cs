using ThighSeg.Core.Preprocessing;

namespace ThighSeg.Core.Tests.Preprocessing;

public class PreprocessingOptionsTests
{
    [Test]
    public void Coarsened_KeepsTheFieldOfView_OnASizeTheNetworkAccepts()
    {
        var planned = new PreprocessingOptions { TargetSize = 128, TargetSpacingMm = 2.618, LowerPercentile = 2 };
        Assert.That(planned.Coarsened(1, 16), Is.SameAs(planned));
        var half = planned.Coarsened(2, 16);
        Assert.That(half, Is.EqualTo(planned with { TargetSize = 64, TargetSpacingMm = 2.618 * 2 }), "every other setting kept");

        // 112 / 2 = 56 is not a multiple of 16: rounded up to 64, so the frame (64 x 3.1 = 198.4 mm) never shrinks below 112 x 1.55 = 173.6 mm.
        var odd = new PreprocessingOptions { TargetSize = 112, TargetSpacingMm = 1.55 }.Coarsened(2, 16);
        Assert.That(odd.TargetSize, Is.EqualTo(64));
        Assert.That(odd.TargetSpacingMm, Is.EqualTo(3.1).Within(1e-12));
        Assert.That(new PreprocessingOptions { TargetSize = 64, TargetSpacingMm = 2 }.Coarsened(8, 16).TargetSize, Is.EqualTo(16), "never below one multiple");

        Assert.Throws<ArgumentOutOfRangeException>(() => planned.Coarsened(0, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => planned.Coarsened(9, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => planned.Coarsened(2, 0));

        // The factor is lowered until the spacing stays within 20 mm: 8 mm x 3 = 24 mm becomes 8 mm x 2; 12 mm x 2 stays at 12 mm.
        var coarse = new PreprocessingOptions { TargetSize = 48, TargetSpacingMm = 8 };
        Assert.That(coarse.Coarsened(3, 16), Is.EqualTo(coarse with { TargetSize = 32, TargetSpacingMm = 16 }));
        var coarser = new PreprocessingOptions { TargetSize = 32, TargetSpacingMm = 12 };
        Assert.That(coarser.Coarsened(2, 16), Is.SameAs(coarser));
    }
}
