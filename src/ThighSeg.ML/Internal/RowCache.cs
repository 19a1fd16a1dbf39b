using Microsoft.ML;

namespace ThighSeg.ML.Internal;

/// <summary>The prediction for the current row, computed once per row position.</summary>
internal sealed class RowCache(SegmentationTransformer owner)
{
    private long _position = -1;
    private SegmentationResult? _result;

    public SegmentationResult Get(DataViewRow row, ValueGetter<ReadOnlyMemory<char>> image)
    {
        if (_result is null || _position != row.Position)
        {
            ReadOnlyMemory<char> path = default;
            image(ref path);
            _result = owner.Segment(path.ToString().Trim());
            _position = row.Position;
        }
        return _result;
    }
}
