using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Augmentation;

/// <summary>
/// Random in-plane augmentation as tensor operations on the batch's device (see <see cref="AugmentationOptions"/>).
/// Every sample gets one affine transform (flips, rotation, scaling or a random-crop zoom) plus, optionally, a smooth
/// elastic displacement (random control points upsampled bicubically), all applied in a single <c>grid_sample</c>:
/// bilinear for images, nearest for labels, border padding.
/// </summary>
/// <remarks>
/// Random parameters come from the <see cref="Random"/> passed in (seeded by the caller), so a run is reproducible
/// and independent of global RNG state; only the resampling runs on the device. Stateless otherwise and thread-safe;
/// tensors belong to the caller's dispose scope.
/// </remarks>
internal sealed class TensorAugmenter
{
    private readonly AugmentationOptions _options;

    public TensorAugmenter(AugmentationOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>True when the options cannot change a sample (no flips, no intensity change, only full-size "crops").</summary>
    public bool IsIdentity =>
        _options.FlipProbability == 0 && _options.IntensityProbability == 0 &&
        _options.SpatialProbability == 0 && _options.MinCropFraction >= 1;

    /// <summary>Augments images <c>[N, C, H, W]</c> float and, when given, labels <c>[N, H, W]</c> int64 with the same transform.</summary>
    public (Tensor Image, Tensor? Labels) Apply(Tensor image, Tensor? labels, Random rng)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(rng);
        if (IsIdentity)
        {
            return (image.alias(), labels?.alias());
        }
        int n = (int)image.shape[0];
        long h = image.shape[2], w = image.shape[3];
        var theta = new float[n * 6];
        var elastic = new float[n];
        int g = _options.ElasticGrid;
        var control = new float[n * 2 * g * g];
        var contrast = new float[n];
        var shift = new float[n];
        var noise = new float[n];
        bool anyElastic = false, anyIntensity = false;
        for (int i = 0; i < n; i++)
        {
            double fx = rng.NextDouble() < _options.FlipProbability ? -1 : 1;
            double fy = rng.NextDouble() < _options.FlipProbability ? -1 : 1;
            double a00, a01, a10, a11, tx = 0, ty = 0;
            if (rng.NextDouble() < _options.SpatialProbability)
            {
                double angle = (2 * rng.NextDouble() - 1) * _options.MaxRotationDegrees * Math.PI / 180;
                double scale = _options.MinScale + (rng.NextDouble() * (_options.MaxScale - _options.MinScale));
                double c = Math.Cos(angle) / scale, s = Math.Sin(angle) / scale;
                // input = R(angle) · diag(1/scale) · diag(fx, fy) · output
                a00 = c * fx; a01 = -s * fy; a10 = s * fx; a11 = c * fy;
                if (rng.NextDouble() < _options.ElasticProbability && _options.ElasticMagnitude > 0)
                {
                    elastic[i] = (float)_options.ElasticMagnitude;
                    anyElastic = true;
                    for (int k = 0; k < 2 * g * g; k++)
                    {
                        control[(i * 2 * g * g) + k] = (float)((2 * rng.NextDouble()) - 1);
                    }
                }
            }
            else
            {
                double frac = _options.MinCropFraction + (rng.NextDouble() * (1 - _options.MinCropFraction));
                a00 = frac * fx; a01 = 0; a10 = 0; a11 = frac * fy;
                tx = (2 * rng.NextDouble() - 1) * (1 - frac);
                ty = (2 * rng.NextDouble() - 1) * (1 - frac);
            }
            theta[(i * 6) + 0] = (float)a00; theta[(i * 6) + 1] = (float)a01; theta[(i * 6) + 2] = (float)tx;
            theta[(i * 6) + 3] = (float)a10; theta[(i * 6) + 4] = (float)a11; theta[(i * 6) + 5] = (float)ty;
            if (rng.NextDouble() < _options.IntensityProbability)
            {
                anyIntensity = true;
                contrast[i] = (float)(1 + ((2 * rng.NextDouble()) - 1) * _options.MaxContrastChange);
                shift[i] = (float)(((2 * rng.NextDouble()) - 1) * _options.MaxIntensityShift);
                noise[i] = (float)_options.NoiseStd;
            }
            else
            {
                contrast[i] = 1;
            }
        }
        long noiseSeed = rng.NextInt64();
        Device device = image.device;
        Tensor thetaT = Upload(tensor(theta, [n, 2, 3]), device);
        Tensor grid = nn.functional.affine_grid(thetaT, [n, image.shape[1], h, w], align_corners: false);
        if (anyElastic)
        {
            Tensor ctrl = Upload(tensor(control, [n, 2, g, g]), device);
            Tensor field = nn.functional.interpolate(ctrl, [h, w], mode: InterpolationMode.Bicubic, align_corners: true);
            Tensor scaleT = Upload(tensor(elastic, [n, 1, 1, 1]), device);
            grid = grid.Plus(field.mul(scaleT).permute(0, 2, 3, 1));
        }
        Tensor outImage = nn.functional.grid_sample(image, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        if (anyIntensity)
        {
            using var gen = new Generator(unchecked((ulong)noiseSeed), CPU);
            Tensor eps = Upload(randn(outImage.shape, generator: gen), device);
            Tensor c = Upload(tensor(contrast, [n, 1, 1, 1]), device);
            Tensor b = Upload(tensor(shift, [n, 1, 1, 1]), device);
            Tensor sd = Upload(tensor(noise, [n, 1, 1, 1]), device);
            outImage = outImage.mul(c).Plus(b).Plus(eps.mul(sd));
        }
        Tensor? outLabels = null;
        if (labels is not null)
        {
            Tensor lf = labels.unsqueeze(1).to_type(ScalarType.Float32);
            Tensor sampled = nn.functional.grid_sample(lf, grid, GridSampleMode.Nearest, GridSamplePaddingMode.Border, align_corners: false);
            outLabels = sampled.squeeze(1).round().to_type(ScalarType.Int64);
        }
        return (outImage, outLabels);
    }

    /// <summary>Small host-built parameter tensors to the batch's device: on CUDA via pinned memory without blocking the host.</summary>
    private static Tensor Upload(Tensor host, Device device) =>
        device.type == DeviceType.CPU ? host : TorchPerformance.ToDevice(host, device);
}
